"""Clusters: the loudspeaker clusters of a commune, reached over MQTT.

`wire` is the contract (topics and four frozen messages, stdlib only); `fanout` turns the
programme into each cluster's messages; `coordinator` is the daemon's side (send programmes
and emergencies, take reports); `link` is the station's one MQTT connection;
`agent_reports` seals what the agents report into the evidence chain; `endpoint` serves the
agents their audio; `broker` writes Mosquitto's files and the installation's CA."""
