#!/bin/sh
# Earshot hook: e-mail the alert with the local MTA's sendmail (postfix, exim, msmtp-mta, nullmailer…).
# Install: copy to /etc/earshot/hooks/, chmod +x, set  hook: { path: /etc/earshot/hooks/email.sh }
# EARSHOT_CLIP names the evidence WAV (written a few seconds after the alert; listen to it on the box).
set -eu
TO="security@example.org"
FROM="earshot@$EARSHOT_HOST"
SUBJECT="Gunshot detected on $EARSHOT_HOST (score $EARSHOT_SCORE)"
[ "$EARSHOT_TEST" = 1 ] && SUBJECT="[TEST] $SUBJECT"

{
  printf 'From: %s\nTo: %s\nSubject: %s\n\n' "$FROM" "$TO" "$SUBJECT"
  printf 'Earshot on %s heard a probable gunshot.\n\n' "$EARSHOT_HOST"
  printf 'Time:     %s\nScore:    %s\nDevice:   %s\nEvent id: %s\nClip:     %s\n\n' \
    "$EARSHOT_START" "$EARSHOT_SCORE" "$EARSHOT_DEVICE" "$EARSHOT_EVENT_ID" "${EARSHOT_CLIP:-none}"
  printf 'Event (JSON):\n'
  cat   # the event from stdin
} | sendmail -t -i   # /usr/sbin is on the daemon's PATH
