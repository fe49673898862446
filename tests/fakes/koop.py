"""The loopback repository.overheid.nl (watcher/demo/koop.py) with the SRU page and files of tests/fixtures/ob."""

from pathlib import Path

from lxml import etree

from watcher.demo import koop
from watcher.demo.koop import NS  # noqa: F401

OB = Path(__file__).parent.parent / "fixtures" / "ob"
CONTENT = {kind: OB / name for kind, name in koop.CONTENT.items()}


def template_records():
    return etree.parse(str(OB / koop.PAGE)).getroot().findall(".//sru:record", NS)


class FakeKOOP(koop.FakeKOOP):
    def __init__(self):
        super().__init__(OB)
