#!/bin/sh
# Earshot hook: e-mail the alert with `sendmail -t`.
# Install: copy to /etc/earshot/hooks/, chmod +x, set  hook: { path: /etc/earshot/hooks/email.sh }
# EARSHOT_CLIP names the evidence WAV (written a few seconds after the alert); as clip_hook: too, this script
# mails it as an attachment once it is written.
#
# Which sendmail: under earshot.service only one that sends by SMTP itself works — msmtp-mta (apt install
# msmtp-mta; smarthost, TLS and login in /etc/msmtprc, as README.md here shows and makes readable, "Secrets and
# mail").
# postfix, exim4 and nullmailer do NOT work there: their sendmail queues through a set-id program (postdrop,
# setuid exim4, nullmailer-queue) into /var/spool, and the unit's DynamicUser=yes (with NoNewPrivileges= and
# ProtectSystem=strict, implied and not to be turned off) ignores set-id bits and makes /var/spool read-only.
# `sudo earshot test-alert` runs this script as root outside the unit, where those work: its drill passes while
# real alerts would fail. Test the sendmail inside the unit's sandbox as README.md here shows.
set -eu
TO="security@example.org"
FROM="earshot@$EARSHOT_HOST"
# Where: the config's location: (e.g. "North entrance"), else the box's host name.
where="on $EARSHOT_HOST"; [ -n "${EARSHOT_LOCATION:-}" ] && where="at $EARSHOT_LOCATION ($EARSHOT_HOST)"
test_mark=""; [ "${EARSHOT_TEST:-0}" = 1 ] && test_mark="[TEST] "
# header NAME VALUE prints the header line "NAME: VALUE". Header values must be ASCII: one with anything else (a
# location like "Café Süd") goes as RFC 2047 encoded words of at most 42 bytes of UTF-8 each, cut only before a
# character's first byte (LC_ALL=C sed: UTF-8's continuation bytes are 80–BF), so each word stands alone and is
# at most 68 characters — the standard allows 75, and "Subject: " plus one word still fits a line. The line is
# then folded (a newline and a space) before a space where it would pass 78 characters; a reader unfolds it and
# drops the space between two encoded words, so the value is intact. Only POSIX sh, sed and base64.
header() {
  hv=$2
  if printf %s "$hv" | LC_ALL=C grep -q '[^ -~]'; then
    hv=$(printf '%s\n' "$hv" | LC_ALL=C sed -e ':a' -e '/[^\n]\{43\}$/s/\([^\n]\{1,42\}\)\([^\x80-\xbf\n][^\n]*\)$/\1\n\2/' -e 'ta' |
      while IFS= read -r w; do printf ' =?UTF-8?B?%s?=' "$(printf %s "$w" | base64 -w0)"; done)
    hv=${hv# }
  fi
  # (a tab after the colon while folding: never folded there, which would leave "NAME:" alone on its line)
  printf '%s:\t%s\n' "$1" "$hv" | LC_ALL=C sed -e ':a' -e '/[^\n]\{79\}$/s/\([^\n]\{1,78\}\) \([^\n]*\)$/\1\n \2/' -e 'ta' -e 's/\t/ /'
}
# Hands the message on stdin to sendmail. msmtp waits without end for a mail server that hung, or one a firewall
# drops the packets of ("timeout off" by default): the hook would hang until earshotd kills it (hook.timeout). So
# sendmail gets 8 s (as the other examples' curl --max-time), then the hook fails, says so, and earshotd retries.
send() {
  timeout --foreground 8 sendmail -t -i && return 0 || rc=$?
  [ "$rc" != 124 ] || echo "email.sh: no answer from the mail server within 8 s: not sent" >&2
  exit "$rc"
}

# Also usable as health_hook: (EARSHOT_HEALTH set): the detector stopped (EARSHOT_PROBLEM=1) or started hearing.
if [ -n "${EARSHOT_HEALTH:-}" ]; then
  what="$EARSHOT_HEALTH problem"; [ "$EARSHOT_PROBLEM" = 1 ] || what="$EARSHOT_HEALTH ok"
  # earshot mute: someone paused paging for a planned event (EARSHOT_PROBLEM=1), or it pages again (0)
  [ "$EARSHOT_HEALTH" = muted ] && { what="paging MUTED"; [ "$EARSHOT_PROBLEM" = 1 ] || what="paging on again"; }
  # alert_rate: far more alerts than the threshold is calibrated for — the site's sounds? (EARSHOT_MESSAGE says what to do)
  [ "$EARSHOT_HEALTH" = alert_rate ] && { what="too many alerts, check the site"; [ "$EARSHOT_PROBLEM" = 1 ] || what="alert rate normal again"; }
  {
    printf 'From: %s\nTo: %s\n' "$FROM" "$TO"
    header Subject "${test_mark}Earshot $where: $what"
    printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n'
    printf '%s\n\nTime:   %s\nDevice: %s\n' "$EARSHOT_MESSAGE" "$EARSHOT_TIME" "$EARSHOT_DEVICE"
  } | send
  exit 0
fi
SUBJECT="${test_mark}Gunshot detected $where (score $EARSHOT_SCORE)"

# Also usable as clip_hook: (EARSHOT_CLIP_READY=1): the evidence clip is written — mail it, to listen before acting.
if [ "${EARSHOT_CLIP_READY:-0}" = 1 ]; then
  b="earshot-$EARSHOT_EVENT_ID"
  # Encode first, send after: a clip that cannot be read fails the hook (earshotd retries it, then says "the
  # clip is on the box only") instead of mailing a truncated attachment and exiting 0.
  clip=${EARSHOT_CLIP:-}
  data=$(base64 -- "$clip") || { echo "email.sh: cannot read the clip '$clip': nothing sent" >&2; exit 1; }
  {
    printf 'From: %s\nTo: %s\n' "$FROM" "$TO"
    header Subject "Recording: $SUBJECT"
    # 8bit: the text part's UTF-8 as it is (a multipart's encoding says the most any of its parts uses)
    printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="%s"\nContent-Transfer-Encoding: 8bit\n\n' "$b"
    printf -- '--%s\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n' "$b"
    printf 'The evidence clip of event %s (%s): listen before acting.\n\n' "$EARSHOT_EVENT_ID" "$EARSHOT_START"
    # the file name on a line of its own: the clip's (≈ 44 characters) after "attachment;" would pass 78
    printf -- '--%s\nContent-Type: audio/wav\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment;\n filename="%s"\n\n' \
      "$b" "$(basename "$clip")"
    printf '%s\n' "$data"
    printf -- '--%s--\n' "$b"
  } | send   # only printf feeds it: the pipeline's status is sendmail's
  exit 0
fi

{
  printf 'From: %s\nTo: %s\n' "$FROM" "$TO"
  header Subject "$SUBJECT"
  # 8bit: the text is UTF-8 (a location like "Café Süd"); a part without the header says it is 7-bit ASCII
  printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n'
  printf 'Earshot %s heard a probable gunshot.\n\n' "$where"
  if [ "${EARSHOT_INCIDENT_EVENTS:-1}" -gt 1 ] 2>/dev/null; then   # a shooting that goes on
    printf 'It is gunshot event %s of an incident since %s (the cooldown pages one alert per cooldown).\n\n' \
      "$EARSHOT_INCIDENT_EVENTS" "$EARSHOT_INCIDENT_START"
  fi
  printf 'Time:     %s\nScore:    %s\nDevice:   %s\nEvent id: %s\nClip:     %s\n\n' \
    "$EARSHOT_START" "$EARSHOT_SCORE" "$EARSHOT_DEVICE" "$EARSHOT_EVENT_ID" "${EARSHOT_CLIP:-none}"
  printf 'Event (JSON):\n'
  cat   # the event from stdin
} | send   # sendmail: /usr/sbin is on the daemon's PATH
