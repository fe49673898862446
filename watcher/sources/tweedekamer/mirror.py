"""The mirror: the Tweede Kamer's entities as the store keeps them, and which roots their changes touch.

The SyncFeed sends each category on its own, every relation as a `ref` from child to parent. A document's
record needs its version, its actors, its zaken with their actors and its dossier; a vote its Besluit, its
Stemming rows and its zaken; a debate its Activiteit, its Agendapunten and their zaken. So the entities are
kept here, and a change to any of them marks the root it belongs to (a Document, a Besluit, an Activiteit)
dirty: each dirty root is assembled again from the mirror when every category has been read
(assemble.py), however its parts arrived, in which category and in what order.

A dirty mark carries a sequence number from one counter per source. Whoever reads the roots (the source's
documents, its votes, its agenda) keeps the highest number it processed in its own cursor, written with
what it did; a root marked again gets a higher number and is read again. An entity that comes again with
the same content (re-stamped by a data fix, or read twice) marks nothing and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from .entities import Entity



@dataclass
class Dirty:
    """A root an entity's change touched, queued to be assembled."""

    seq: int
    ident: str


class Mirror:
    def __init__(self, store, source: str, roots: tuple[str, ...] = ()):
        """`roots`: the categories that are assembled and told (a document, a vote, a meeting, a promise: its
        source's readers say which); every other entity is a part of one, and a change to it marks its roots."""
        self.store = store
        self.source = source
        self.roots = roots

    # ------------------------------------------------------------ reading
    def get(self, category: str, ident: str) -> Entity | None:
        """The entity as last seen (a deleted one too: it still names what it was)."""
        data = self.store.entity(category, ident) if ident else None
        return Entity.from_dict(data) if data else None

    def live(self, category: str, ident: str) -> Entity | None:
        found = self.get(category, ident)
        return found if found is not None and not found.deleted else None

    def children(self, category: str, parent: str, deleted: bool = False) -> list[Entity]:
        """The live entities of `category` that name `parent` (a document's actors, a vote's positions); with
        `deleted`, those deleted since too (they keep naming what they belonged to)."""
        found = [Entity.from_dict(d) for d in self.store.children(category, parent)] if parent else []
        return sorted((e for e in found if deleted or not e.deleted), key=lambda e: (e.bijgewerkt, e.id))

    def all(self, category: str) -> list[Entity]:
        return [e for d in self.store.entities(category) if not (e := Entity.from_dict(d)).deleted]

    # ------------------------------------------------------------ writing
    def apply(self, entities: list[Entity], silent: frozenset = frozenset()) -> int:
        """Take a page's entities; mark the roots they touch, but for those in `silent` (read to know the
        context of what comes later, not as news: a warm-up). Returns how many changed."""
        changed, touched = 0, []
        for entity in entities:
            self._learn_party_name(entity)
            old = self.get(entity.category, entity.id)
            if entity.deleted and old is not None:
                # A deletion is bare: it keeps what it was, so that its parents are still known.
                entity = Entity(entity.category, entity.id, entity.bijgewerkt, True, old.fields, old.refs,
                                old.content_type, old.content_length, old.enclosure)
            if old is not None and old.enclosure and not entity.enclosure:
                entity.enclosure = old.enclosure
            if old is not None and old.content() == entity.content():
                continue  # re-stamped, not changed
            changed += 1
            self.put(entity, old)
            if entity.id in silent:
                continue
            # Both before and after: a DocumentActor moved to another document touches the two.
            touched += self._roots(entity) + (self._roots(old) if old is not None else [])
        self.mark(touched)
        return changed

    def put(self, entity: Entity, old: Entity | None = None) -> None:
        data = entity.to_dict()
        if entity.category == "Fractie":
            # A fractie renamed keeps its old names: a rule on GroenLinks-PvdA follows it as PRO.
            names = set((self.store.entity("Fractie", entity.id) or {}).get("a", []))
            if old is not None:
                names |= {n for n in (old.text("afkorting"), old.text("naamNl")) if n}
            data["a"] = sorted(names - {entity.text("afkorting"), entity.text("naamNl"), entity.text("naamEn")})
        parents = sorted({p for refs in entity.refs.values() for p in refs})
        self.store.put_entity(entity.category, entity.id, data, parents)

    def names(self, fractie: str) -> list[str]:
        """Every name a fractie has here: its afkorting and names now, those it was renamed from, and those the
        Kamer's actors gave it."""
        data = self.store.entity("Fractie", fractie) if fractie else None
        if not data:
            return []
        now = Entity.from_dict(data)
        return list(dict.fromkeys(n for n in (now.text("afkorting"), now.text("naamNl"), now.text("naamEn"),
                                              *data.get("a", [])) if n))

    def _learn_party_name(self, entity: Entity) -> None:
        """An actor or position names its fractie as the Kamer wrote it then ("NSC", where the Fractie's afkorting
        is "Nieuw Sociaal Contract"; "GroenLinks-PvdA", a name the fractie no longer has): kept with the fractie,
        so that a rule on that name finds it."""
        fractie, named = entity.ref("fractie"), entity.text("actorFractie")
        if entity.deleted or not fractie or not named:
            return
        data = self.store.entity("Fractie", fractie)
        if data is None or named in self.names(fractie):
            return
        data["a"] = sorted(set(data.get("a", [])) | {named})
        self.store.put_entity("Fractie", fractie, data, [])

    def mark(self, roots: list[tuple[str, str]]) -> None:
        """Mark roots dirty, each with the next sequence number (in the order given)."""
        seq, marked = self.seq, {}
        for root, ident in dict.fromkeys(r for r in roots if r[1]):
            seq += 1
            marked.setdefault(root, {})[ident] = seq
        for root, marks in marked.items():
            self.store.set_touched(self._kind(root), marks)
        if marked:
            self.store.set_touched(f"{self.source}/seq", {"seq": seq})

    @property
    def seq(self) -> int:
        return self.store.touched(f"{self.source}/seq").get("seq", 0)

    def dirty(self, root: str, after: int) -> list[Dirty]:
        """The roots marked after sequence number `after`, oldest mark first."""
        return sorted((Dirty(seq, ident) for ident, seq in self.store.touched(self._kind(root)).items() if seq > after),
                      key=lambda d: (d.seq, d.ident))

    def forget(self, root: str, up_to: int) -> None:
        """Drop the marks their reader has processed (at or below `up_to`)."""
        done = [ident for ident, seq in self.store.touched(self._kind(root)).items() if seq <= up_to]
        if done:
            self.store.drop_touched(self._kind(root), done)

    def _kind(self, root: str) -> str:
        return f"{self.source}/{root}"

    # ------------------------------------------------------------ what a change touches
    def _roots(self, e: Entity) -> list[tuple[str, str]]:
        c = e.category
        if c in self.roots:
            out = [(c, e.id)]
            if c == "Activiteit":  # a move is told with the meeting it replaces
                out += [("Activiteit", r) for r in e.refs.get("vervangenVanuit", [])]
            return out
        if c in ("DocumentVersie", "DocumentActor"):
            return [("Document", e.ref("document"))] + [("Document", d.id) for d in self.children("Document", e.id)]
        if c == "DocumentPublicatie":
            version = e.ref("documentVersie")
            owner = self.get("DocumentVersie", version)
            return [("Document", d.id) for d in self.children("Document", version)] + \
                   ([("Document", owner.ref("document"))] if owner else [])
        if c in ("Zaak", "ZaakActor"):
            zaak = e.id if c == "Zaak" else e.ref("zaak")
            return self._around_zaak(zaak, e if c == "Zaak" else self.get("Zaak", zaak))
        if c == "Kamerstukdossier":
            out = [("Document", d.id) for d in self.children("Document", e.id)]
            for zaak in self.children("Zaak", e.id):
                out += self._around_zaak(zaak.id, zaak)
            return out
        if c == "Stemming":
            return [("Besluit", e.ref("besluit"))]
        if c == "Agendapunt":
            return [("Activiteit", e.ref("activiteit"))]
        return []  # Persoon, Fractie: read where needed, never told on their own

    def _around_zaak(self, zaak: str, entity: Entity | None) -> list[tuple[str, str]]:
        """What a zaak (or one of its actors) is part of: its documents, its votes, the debates about it."""
        out = [("Document", d.id) for d in self.children("Document", zaak)]
        out += [("Besluit", b.id) for b in self.children("Besluit", zaak)]
        for punt in (entity.refs.get("agendapunt", []) if entity else []):
            if (found := self.get("Agendapunt", punt)) is not None:
                out.append(("Activiteit", found.ref("activiteit")))
        return out
