"""The daemon: the one process that airs (`broadcaster run`).

`process` holds the daemon process: the lease and its heartbeat, start and stop; `jobs` what
each APScheduler job does (one cron job per slot, the housekeeping jobs); `watch` is its thread that reports air-now and emergency requests and
bulletins taken back to the arbiter of the air at once; `housekeeping` holds the job store
that outlasts a locked database and the clean-up after an earlier stop. Like the web page and
the command line it is a front door: it reaches the pipeline through `broadcaster.services`."""
