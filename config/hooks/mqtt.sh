#!/bin/sh
# Earshot hook: publish the alert to an MQTT broker (Home Assistant, Node-RED, a building system).
# Needs mosquitto_pub (Debian: apt install mosquitto-clients).
# Install: copy to /etc/earshot/hooks/, chmod +x, set  hook: { path: /etc/earshot/hooks/mqtt.sh }
# The event arrives as one JSON object on stdin, and as EARSHOT_* environment variables.
set -eu
BROKER="mqtt.example.org"   # host name of your broker
PORT=1883                   # 8883 with --cafile for TLS
# Topics are per box; the JSON names the config's location: ("location") for several microphones.
if [ "${EARSHOT_TEST:-0}" = 1 ]; then   # earshot test-alert: drills of either hook
  TOPIC="earshot/$EARSHOT_HOST/test"
elif [ -n "${EARSHOT_HEALTH:-}" ]; then   # run as health_hook: the detector stopped or started hearing
  TOPIC="earshot/$EARSHOT_HOST/health"
else
  TOPIC="earshot/$EARSHOT_HOST/alert"
fi

# Run as clip_hook: (EARSHOT_CLIP_READY=1): publish the evidence clip itself (a WAV, ≈ 320 KB for 10 s) to
# TOPIC/clip, e.g. earshot/venue-1/alert/clip, for a dashboard or an archive to play.
if [ "${EARSHOT_CLIP_READY:-0}" = 1 ]; then
  exec mosquitto_pub -h "$BROKER" -p "$PORT" -q 1 -t "$TOPIC/clip" -f "$EARSHOT_CLIP"
fi

# -s reads the message (the JSON event) from stdin; QoS 1 so the broker acknowledges it.
# Credentials: add  -u USER -P PASS  or better  --id earshot -F /etc/earshot/mqtt.conf (not world-readable).
exec mosquitto_pub -h "$BROKER" -p "$PORT" -q 1 -t "$TOPIC" -s
