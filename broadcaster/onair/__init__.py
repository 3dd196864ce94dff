"""On air: what happens at the loudspeaker.

`arbiter` is the one pure state machine that decides what sounds (emergency over air-now over
a slot's bulletins; nothing taken back starts), and `floor` puts it behind one lock for the
daemon's threads;
`airing` plays a slot's entries through an output and seals each one in the evidence chain;
`outputs` says what an output promises (and holds the null and drop-folder ones),
`command_output` runs a player command and the amplifier hooks, `soundcard` plays through the
sound card, `output_spec` builds the output a setting names; `lease` makes sure one daemon
plays at a time; `journal` keeps what was aired while the database was away and writes it back
once it returns."""
