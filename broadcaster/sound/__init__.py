"""Sound: spoken text becomes a broadcast MP3.

`voices` holds the speech engines (Google, Edge, offline espeak-ng) behind one Protocol;
`render` picks a voice and keeps the rendering rows; `master` joins the chime, speech and
pauses and sets the loudness; `loudness` measures it (EBU R128); `audio` is every ffmpeg and
MP3 call in one place; `recording` turns a reading recorded in the browser into a bulletin.
This is the only folder that loads numpy and scipy."""
