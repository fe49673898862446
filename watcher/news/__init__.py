"""What is news, judged on data handed in: a revision's diff, a written question's life, a vote, a debate on the agenda."""
