"""The daemon's way to the loudspeaker clusters (MQTT, paho): imported by the daemon only, so a
command that reads the clusters' state never loads the broker client."""

from broadcaster.clusters.coordinator import ClusterRelay as ClusterRelay
