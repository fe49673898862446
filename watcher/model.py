"""The plain data that passes between the stages of a cycle.

source -> Record -> extract -> Document -> store/compare -> Change -> match -> Alert -> notify
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


_LEAVES = frozenset({str, int, float, bool, type(None)})  # as they are: most values, so asked first


def _plain(value):
    """A dataclass as dicts and lists, as dataclasses.asdict makes it but without its deep copy of every
    leaf: what is made here is serialised at once, and asdict was a fifth of the watcher's own CPU in a
    backfill. A leaf is passed as it is without a call (a text's blocks are thousands of them)."""
    if isinstance(value, list):
        return [v if v.__class__ in _LEAVES else _plain(v) for v in value]
    if isinstance(value, dict):
        return {k: v if v.__class__ in _LEAVES else _plain(v) for k, v in value.items()}
    fields = getattr(value.__class__, "__dataclass_fields__", None)
    if fields is None:
        return value
    return {name: v if (v := getattr(value, name)).__class__ in _LEAVES else _plain(v) for name in fields}


@dataclass
class Actor:
    """Someone a document or its zaak names: an indiener, a medeindiener, the minister it is put to, a committee."""

    name: str
    role: str = ""  # Indiener, Medeindiener, Gericht aan, Voortouwcommissie, ... kept as upstream says
    party: str = ""
    on: str = "document"  # "document" or "zaak": for Kamervragen the askers sit on the zaak
    # The fractie's other names (its afkorting, its name, those it was renamed from): a party rule follows
    # a fractie across a rename, while `party` stays the name the document uses.
    aka: list[str] = field(default_factory=list)
    afkorting: str = ""  # a committee's short name as the Kamer writes it ("BuZa"), for a committee rule


@dataclass
class Meta:
    """What a source knows about a document besides its text. Compared to spot metadata-only changes."""

    soort: str = ""
    titel: str = ""
    onderwerp: str = ""
    datum: str = ""
    vergaderjaar: str = ""
    zaken: list[dict] = field(default_factory=list)  # [{"nummer": "2022Z11285", "soort": "..."}]
    dossiers: list[str] = field(default_factory=list)  # ["35207"]
    actors: list[Actor] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # the same document elsewhere: kst-19637-3384
    links: dict[str, str] = field(default_factory=dict)  # page, file, ...
    # The zaken this one replaces (Zaak.VervangenVanuit): a gewijzigde motie or amendement is a new zaak.
    vervangt: list[str] = field(default_factory=list)
    volgnummer: int = 0  # its number in its dossier ("nr. 3370"), when it has one

    @classmethod
    def from_dict(cls, data: dict) -> "Meta":
        data = dict(data or {})
        data["actors"] = [Actor(**a) for a in data.get("actors", [])]
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_dict(self) -> dict:
        return _plain(self)


LETTERHEAD = "letterhead"  # a block kind that is matched but not diffed: see Document.body


@dataclass
class Block:
    """One paragraph of a document's text, with its kind and the label of the question or answer it is part of."""

    text: str
    kind: str = "paragraph"  # heading, paragraph, question, answer, footnote, letterhead
    label: str = ""  # "Vraag 3", "Antwoord 2 en 3", "17"


@dataclass
class Document:
    """Clean text of one version of a document, as ordered blocks, plus what the text itself states."""

    blocks: list[Block] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Everything, letterhead included: what matching reads."""
        return "\n\n".join(b.text for b in self.blocks)

    @property
    def body(self) -> "Document":
        """Without its letterhead (the sidebar, running headers): what is diffed and what a version's
        identity is made of. A new phone number in the sidebar is not a revision."""
        if not any(b.kind == LETTERHEAD for b in self.blocks):
            return self
        return Document(blocks=[b for b in self.blocks if b.kind != LETTERHEAD], metadata=self.metadata)

    def content_hash(self) -> str:
        """The hash of its body's words, one space apart: line breaks, paragraph splits and spacing are layout,
        not content. Stored texts are named by it, so what it is made of never changes."""
        words = " ".join(b.text for b in self.body.blocks)
        # Blocks come cleaned (single spaces, no other white space), and then they are their words already:
        # splitting 27 KB of text that is not ASCII into words and joining them again took 0.27 ms a version.
        # Any white space but a single space between two printed characters fails this check.
        if not (words.isprintable() and "  " not in words and words[:1] != " " and words[-1:] != " "):
            words = " ".join(words.split())
        return text_hash(words)

    @classmethod
    def from_dict(cls, data: dict) -> "Document":
        return cls(blocks=[Block(**b) for b in data.get("blocks", [])], metadata=data.get("metadata", {}))

    def to_dict(self) -> dict:
        return _plain(self)


def text_hash(text: str) -> str:
    import hashlib  # here: `watcher status` reads the model and hashes nothing

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Record:
    """One document as a source reports it in a poll: identity, version, metadata and which file holds its text
    (`spec`, read by its source: Source.read). Plain data, no functions."""

    key: str  # 2022D27850, kv-tk-2020Z25656, a feed item's link
    source: str  # the source's name in sources.yaml
    version: str = ""  # upstream's version label; a rise alone is not a revision
    meta: Meta = field(default_factory=Meta)
    stamp: str = ""  # upstream's change marker (ApiGewijzigdOp, dt.modified): same stamp, nothing new
    fingerprint: str = ""  # cheap identity of the file (version + length): same, no download needed
    deleted: bool = False
    # Its file, as its source describes it (Source.read; another process reads it the same way): plain JSON.
    spec: dict | None = None
    backlog: bool = False  # the source knows this is old news (a feed's items at the first look)
    quiet: bool = False  # read by a silent backfill: fetched, extracted and stored in full, but not alerted
    # Its stored metadata was written in another vocabulary (the OData source, before an upgrade): a change
    # of metadata alone is the vocabulary's, not news. A changed text still is.
    rebase: bool = False
    rank: int = 0  # order of versions published under their own ids (kst-1-34 < kst-1-34-n1 < -n2)
    # Where metadata the listing lacks is had with another request (KOOP's metadata.xml): Source.complete
    # reads it, only for a record that is not a plain re-read, so a re-sent page costs no extra requests.
    complete_from: str = ""


@dataclass
class Version:
    """One version of a stored document: its text's hash and the fingerprint of the file it came from."""

    version: str
    hash: str  # content hash of the normalised text; "" when the text could not be had yet
    fingerprint: str
    seen: str  # ISO time we stored it
    rank: int = 0


@dataclass
class StoredDocument:
    """A document as the store holds it: its metadata, its versions and what became of them."""

    key: str
    source: str
    meta: Meta
    versions: list[Version] = field(default_factory=list)
    stamp: str = ""
    deleted: bool = False
    text_pending: bool = False  # the file could not be fetched: retried next cycle
    alerted: list[str] = field(default_factory=list)  # subscribers told about it (for deletions)
    # The last failures to get its file: {"fingerprint", "count", "error", "parked"}. Parked: given up on
    # until the file changes (a file that cannot be read is not fetched again every cycle for ever).
    failure: dict = field(default_factory=dict)
    # Events of a written question already raised on its question document ("termijn verstreken"): a clock
    # event is raised once, by the cycle that first sees it, whatever happens after.
    events: list[str] = field(default_factory=list)

    @property
    def current(self) -> Version | None:
        return self.versions[-1] if self.versions else None

    def to_dict(self) -> dict:
        return _plain(self)

    @classmethod
    def from_dict(cls, data: dict) -> "StoredDocument":
        return cls(key=data["key"], source=data["source"], meta=Meta.from_dict(data.get("meta", {})),
                   versions=[Version(**v) for v in data.get("versions", [])], stamp=data.get("stamp", ""),
                   deleted=data.get("deleted", False), text_pending=data.get("text_pending", False),
                   alerted=list(data.get("alerted", [])), failure=dict(data.get("failure") or {}),
                   events=list(data.get("events", [])))


class ChangeKind(enum.StrEnum):
    """What became of a document against the store (engine/compare.py). A str: stored and logged as its value."""
    NEW = "new"
    REVISED = "revised"  # its text changed (only a changed normalised text is a revision)
    METADATA = "metadata"  # only what the source says about it changed
    UNCHANGED = "unchanged"
    DELETED = "deleted"


class EventKind(enum.StrEnum):
    """What happened around documents, told in an alert of its own kind."""
    VOTE = "vote"  # a vote on a motie, amendement or wetsvoorstel (news/votes.py)
    AGENDA = "agenda"  # a debate scheduled, moved or cancelled (news/agenda.py)
    OVERDUE = "overdue"  # a written question past its term, raised by the clock
    TOEZEGGING = "toezegging"  # a promise made, its status changed, or its date passed (news/toezeggingen.py)
    DEBATE = "debate"  # who spoke in a debate, from the Kamer's own verslag (news/debates.py)


# The names the stages use: an alert's kind is one of either enum.
NEW, REVISED, METADATA = ChangeKind.NEW, ChangeKind.REVISED, ChangeKind.METADATA
UNCHANGED, DELETED = ChangeKind.UNCHANGED, ChangeKind.DELETED
VOTE, AGENDA, OVERDUE, TOEZEGGING = EventKind.VOTE, EventKind.AGENDA, EventKind.OVERDUE, EventKind.TOEZEGGING
DEBATE = EventKind.DEBATE


@dataclass
class Change:
    """What became of one document in a poll, against what the store held (engine/compare.py)."""

    kind: ChangeKind
    record: Record
    stored: StoredDocument  # the state after the change
    old: Document | None = None
    new: Document | None = None
    old_version: str = ""
    newly_matchable: bool = False  # metadata-only, but may make a subscriber match for the first time
    parked: str = ""  # why its file was given up on in this very change, if it was
    diff: object = None  # a revision's DiffResult, made off the event loop before it is alerted


@dataclass
class Subject:
    """What an alert about a vote, a debate or a late answer is about: the document (or zaak) it names."""
    document: str  # its number (2025D05999), or the zaak's or meeting's where no document is known
    title: str = ""
    soort: str = ""
    datum: str = ""
    actors: list[dict] = field(default_factory=list)  # {"name", "role", "party"}: its submitters are shown
    zaken: list[str] = field(default_factory=list)
    dossiers: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    source: str = ""  # the source that stored its document, if one did


@dataclass
class Alert:
    """One message owed to one subscriber about one change. `id` is the idempotency key."""

    id: str
    subscriber: str
    document: str
    kind: str  # a ChangeKind or an EventKind (by its value once read back from the store)
    title: str
    version: str = ""
    old_version: str = ""
    soort: str = ""
    datum: str = ""
    actors: list[dict] = field(default_factory=list)
    zaken: list[str] = field(default_factory=list)
    dossiers: list[str] = field(default_factory=list)
    askers: list[dict] = field(default_factory=list)  # who asked, as the text states it (no actors in the metadata)
    answered_by: str = ""  # an answer's minister, as its text signs it ("Minister van Buitenlandse Zaken (Veldkamp)")
    reasons: list[str] = field(default_factory=list)
    snippet: str = ""
    highlight: str = ""  # the words in the snippet that matched, shown in bold
    changes: list[str] = field(default_factory=list)  # "Antwoord 7: ..." for a revision
    old_hash: str = ""  # the two texts of a revision: the HTML diff is made from them when sent
    new_hash: str = ""
    links: dict[str, str] = field(default_factory=dict)
    source: str = ""
    created: str = ""
    days_to_answer: int | None = None  # an answer to written questions: days since they were put
    event: str = ""  # what happened to a written question ("beantwoord na 22 dagen (termijn 21)"): the headline
    # Messages of this alert Telegram already accepted: a send cut short resumes after them, so a long
    # alert is never repeated from its first part.
    parts_sent: int = 0
    # The channel this copy goes on ("": Telegram, or the console without a chat; else a settings.Channel's
    # key): an alert owed to a subscriber is owed once on each of its channels (deliver/channels.py).
    channel: str = ""

    def to_dict(self) -> dict:
        return _plain(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Alert":
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})
