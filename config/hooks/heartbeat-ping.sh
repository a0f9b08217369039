#!/bin/sh
# Earshot heartbeat: ping a dead man's switch (healthchecks.io, Uptime Kuma push monitor, any URL that takes a GET)
# while earshotd hears. The monitor alarms when the pings stop: power lost, box dead, earshotd crash-looping,
# microphone lost or silent — the cases in which earshotd itself cannot tell anyone.
# Install: copy to /etc/earshot/hooks/, chmod +x, set in /etc/earshot/earshot.yaml:
#   heartbeat:
#     path: /etc/earshot/hooks/heartbeat-ping.sh
#     interval: 300        # and give the monitor a period of 5 min with some grace
set -eu
PING_URL="https://hc-ping.com/CHANGE-ME"   # your check's ping URL (healthchecks.io) or push URL (Uptime Kuma)

# The status line (device, events today, last score) goes along as the ping's body, where the monitor keeps it.
exec curl --silent --show-error --fail --max-time 8 --data-raw "${EARSHOT_MESSAGE:-}" "$PING_URL"
