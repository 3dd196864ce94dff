"""On air: what happens at the loudspeaker.

`airing` plays a slot's entries through an `outputs` sink and seals each one in the evidence
chain; `outputs` drives the sound card, a file or a command around each bulletin; `lease`
makes sure one daemon plays at a time; `journal` keeps what was aired while the database was
away and writes it back once it returns."""
