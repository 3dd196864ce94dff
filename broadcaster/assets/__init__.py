"""Files the program ships: the chime that opens and closes a bulletin (`chime.wav`, made by
`python -m broadcaster.assets.make_chime`) and the common passwords an account may not use."""
