"""Intake: a script file or pasted text becomes a checked script (files → scripts).

`parse` reads plain text and Word files into a `ScriptInput`: Unicode NFC, a title, a plan
topic and the body, refusing what a town officer could not have meant (empty, oversized or
hostile files) with one coded error. Nothing here touches the database or the sound."""
