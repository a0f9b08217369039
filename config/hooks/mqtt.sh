#!/bin/sh
# Earshot hook: publish the alert to an MQTT broker (Home Assistant, Node-RED, a building system).
# Needs mosquitto_pub (Debian: apt install mosquitto-clients).
# Install: copy to /etc/earshot/hooks/, chmod +x, set  hook: { path: /etc/earshot/hooks/mqtt.sh }
# The event arrives as one JSON object on stdin, and as EARSHOT_* environment variables.
set -eu
BROKER="mqtt.example.org"   # host name of your broker (with TLS, a name its certificate is for: it is checked)
PORT=1883                   # 8883 with --cafile for TLS
# Credentials and TLS settings go in an options file mosquitto_pub reads by itself (not on its command line,
# which `ps` shows): $XDG_CONFIG_HOME/mosquitto_pub, one option per line, e.g.
#   -u earshot
#   -P the-broker-password
#   --cafile /etc/ssl/certs/ca-certificates.crt
# --cafile turns TLS on (without it the password goes in clear) and names the CA that signed the broker's
# certificate: Debian's bundle of public CAs (apt install ca-certificates) as here, or a private CA's own file. A
# certificate not trusted fails the hook with "A TLS error occurred." (mosquitto_pub -d by hand says why).
# Debian 12's mosquitto_pub (2.0.11) has no option naming another file, and a hook gets no XDG_CONFIG_HOME
# (only PATH), so it is set here: the file is /etc/earshot/mosquitto_pub — owner root, group earshot-secrets,
# mode 0640, the group given to the unit in a drop-in (README.md here, "Secrets and mail"). A file it cannot
# read is silently skipped: the broker then refuses ("not authorised"). No fixed client id (-i/--id): the
# alert, clip and health hooks can run at once, and a broker drops the older client when another connects with
# its id. Without one the broker assigns each run its own; a broker whose ACLs want a prefix gets  -I earshot-
# in the file (the prefix plus the process id).
export XDG_CONFIG_HOME=/etc/earshot
# mosquitto_pub has no connect or reply timeout: a broker that hung, or a firewall that drops the packets, would
# hold the hook until earshotd kills it (hook.timeout) — and with a longer hook.timeout for a big clip, longer.
# So it gets 8 s (as the other examples' curl --max-time), then the hook fails, says so, and earshotd retries.
pub() {   # publishes, then ends the hook with mosquitto_pub's status
  timeout --foreground 8 mosquitto_pub -h "$BROKER" -p "$PORT" "$@" && exit 0 || rc=$?
  [ "$rc" != 124 ] || echo "mqtt.sh: no answer from the broker $BROKER:$PORT within 8 s: not published" >&2
  exit "$rc"
}
# Topics are per box; the JSON names the config's location: ("location") for several microphones.
if [ "${EARSHOT_TEST:-0}" = 1 ]; then   # earshot test-alert: drills of either hook
  TOPIC="earshot/$EARSHOT_HOST/test"
elif [ -n "${EARSHOT_HEALTH:-}" ]; then   # run as health_hook: the detector stopped or started hearing
  TOPIC="earshot/$EARSHOT_HOST/health"
elif [ -n "${EARSHOT_INCIDENT_UPDATE:-}" ]; then   # run as incident_hook: a shooting's steps (alert, heard, over)
  # Retained (-r): a dashboard that connects later gets the latest step at once — "update":"over" means no
  # shooting now. Steps arrive in order ("seq" 1, 2, 3 … of an "incident_id"; a failed one is retried first).
  pub -q 1 -r -t "earshot/$EARSHOT_HOST/incident" -s
else
  TOPIC="earshot/$EARSHOT_HOST/alert"
fi

# Run as clip_hook: (EARSHOT_CLIP_READY=1): publish the evidence clip itself (a WAV, ≈ 320 KB for 10 s) to
# TOPIC/clip, e.g. earshot/venue-1/alert/clip, for a dashboard or an archive to play.
if [ "${EARSHOT_CLIP_READY:-0}" = 1 ]; then
  pub -q 1 -t "$TOPIC/clip" -f "$EARSHOT_CLIP"
fi

# -s reads the message (the JSON event) from stdin; QoS 1 so the broker acknowledges it.
pub -q 1 -t "$TOPIC" -s
