#!/bin/sh
# Earshot hook: push the alert to a phone via ntfy (https://ntfy.sh) or any webhook that takes a POST.
# Install: copy to /etc/earshot/hooks/, chmod +x, set in /etc/earshot/earshot.yaml:
#   hook:
#     path: /etc/earshot/hooks/ntfy-webhook.sh
# earshotd runs it directly (no shell interpolation of the values) with EARSHOT_EVENT_ID, EARSHOT_SCORE,
# EARSHOT_START, EARSHOT_DEVICE, EARSHOT_LOCATION, EARSHOT_CLIP, EARSHOT_HOST, EARSHOT_TEST, EARSHOT_INCIDENT_* in the environment and the same
# event as one JSON object on stdin. It is killed after hook.timeout (default 10 s); stderr is logged.
set -eu
NTFY_URL="https://ntfy.sh/earshot-CHANGE-ME"   # your topic (keep it secret) or your own ntfy server
# Where: the config's location: (e.g. "North entrance"), else the box's host name.
where="on $EARSHOT_HOST"; [ -n "${EARSHOT_LOCATION:-}" ] && where="at $EARSHOT_LOCATION ($EARSHOT_HOST)"
test_mark=""; [ "${EARSHOT_TEST:-0}" = 1 ] && test_mark="[TEST] "
# Header values must be ASCII: one with anything else (a location like "Café Süd") goes as RFC 2047 encoded words,
# which ntfy decodes. As in email.sh: words of at most 42 bytes of UTF-8 (at most 68 characters; the standard's
# limit is 75), cut only before a character's first byte (UTF-8's continuation bytes are 80–BF), one space
# between them (dropped when decoded). Not folded onto several lines as in a mail: HTTP has no line limit to keep
# and no longer allows folded header lines.
header() {
  if printf %s "$1" | LC_ALL=C grep -q '[^ -~]'; then
    hv=$(printf '%s\n' "$1" | LC_ALL=C sed -e ':a' -e '/[^\n]\{43\}$/s/\([^\n]\{1,42\}\)\([^\x80-\xbf\n][^\n]*\)$/\1\n\2/' -e 'ta' |
      while IFS= read -r w; do printf ' =?UTF-8?B?%s?=' "$(printf %s "$w" | base64 -w0)"; done)
    printf %s "${hv# }"
  else printf %s "$1"; fi
}

# Also usable as health_hook: (EARSHOT_HEALTH set): the detector stopped (EARSHOT_PROBLEM=1) or started hearing.
if [ -n "${EARSHOT_HEALTH:-}" ]; then
  what="$EARSHOT_HEALTH problem"; [ "$EARSHOT_PROBLEM" = 1 ] || what="$EARSHOT_HEALTH ok"
  # earshot mute: someone paused paging for a planned event (EARSHOT_PROBLEM=1), or it pages again (0)
  [ "$EARSHOT_HEALTH" = muted ] && { what="paging MUTED"; [ "$EARSHOT_PROBLEM" = 1 ] || what="paging on again"; }
  # alert_rate: far more alerts than the threshold is calibrated for — the site's sounds? (EARSHOT_MESSAGE says what to do)
  [ "$EARSHOT_HEALTH" = alert_rate ] && { what="too many alerts, check the site"; [ "$EARSHOT_PROBLEM" = 1 ] || what="alert rate normal again"; }
  exec curl --silent --show-error --fail --max-time 8 \
    -H "Title: $(header "${test_mark}Earshot $where: $what")" -H "Priority: high" -H "Tags: warning" \
    --data-binary @- "$NTFY_URL"
fi

# Also usable as clip_hook: (EARSHOT_CLIP_READY=1): the alert's evidence clip is written (clips.post_roll after
# the shot) — attached to a second notification, so whoever was paged can listen before acting.
if [ "${EARSHOT_CLIP_READY:-0}" = 1 ]; then
  exec curl --silent --show-error --fail --max-time 8 \
    -H "Title: $(header "${test_mark}Recording: gunshot $where")" -H "Priority: urgent" -H "Tags: loud_sound" \
    -H "Message: $(header "Evidence clip of event $EARSHOT_EVENT_ID (score $EARSHOT_SCORE): listen before acting")" \
    -H "Filename: $(basename "$EARSHOT_CLIP")" -T "$EARSHOT_CLIP" "$NTFY_URL"
fi

title="${test_mark}Gunshot detected $where"
# A shooting that goes on: EARSHOT_INCIDENT_EVENTS counts its gunshot events, those the cooldown did not page too.
if [ "${EARSHOT_INCIDENT_EVENTS:-1}" -gt 1 ] 2>/dev/null; then
  title="${test_mark}Gunshots continue $where: event $EARSHOT_INCIDENT_EVENTS since ${EARSHOT_INCIDENT_START#*T}"
fi

# --data-binary @- sends the JSON from stdin unchanged; headers carry the summary for the notification.
exec curl --silent --show-error --fail --max-time 8 \
  -H "Title: $(header "$title")" -H "Priority: urgent" -H "Tags: rotating_light" \
  -H "X-Earshot-Score: $EARSHOT_SCORE" -H "X-Earshot-Device: $EARSHOT_DEVICE" \
  --data-binary @- "$NTFY_URL"
