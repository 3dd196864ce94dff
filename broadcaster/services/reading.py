"""How the voice will read: the spoken form of a script or of a file, for the script's page,
`broadcaster normalize` and the benchmarks (the render hands on the form it computed)."""

from __future__ import annotations

from broadcaster.config import Settings
from broadcaster.errors import Code
from broadcaster.intake.parse import ScriptRejected, decode_text, has_text
from broadcaster.sound.render import normaliser_for
from broadcaster.spoken import LexiconError as LexiconError
from broadcaster.spoken import Normaliser as Normaliser
from broadcaster.spoken import SpokenText as SpokenText
from broadcaster.store.db import Script


def normaliser(settings: Settings) -> Normaliser:
    """The installation's reader (its reading settings and dictionary files); LexiconError if a
    dictionary file is wrong."""
    return normaliser_for(settings)


def spoken_script(settings: Settings, script: Script, explain: bool = False) -> SpokenText:
    """What the voice will say for the script's current words (`explain`: and which rule did it)."""
    return normaliser_for(settings)(script.body, explain=explain)


def spoken_file(settings: Settings, data: bytes, name: str, explain: bool = False) -> SpokenText:
    """What the voice would say for a text file; a file with nothing to say is refused."""
    reader = normaliser_for(settings)  # a bad dictionary file is reported first
    text, _ = decode_text(data, name)
    if not has_text(text):
        raise ScriptRejected(Code.FILE_NO_TEXT, name=name)
    return reader(text, explain=explain)
