"""The face readers reach over HTTP: each subscriber's Atom feeds and calendar, and the diff pages."""
