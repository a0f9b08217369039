#!/usr/bin/env bash
# The Debian version suffix of a build of this checkout, +git<date>.<count>.<commit>, e.g.
# +git20261206172233.561.cee9089 (scripts/package-deb.sh puts it after `earshot --version`); nothing when the
# checkout is not a git repository.
#
#   bash scripts/package-version.sh [REPO]          # → +git20261206172233.561.cee9089
#   bash scripts/package-version.sh --date [REPO]   # → the date's Unix time (the package's changelog date)
#
# dpkg compares the fields in turn, numbers as numbers, so a build of any later commit upgrades the one before:
# - date: the newest committer date in HEAD's history, in UTC to the second — not the date as the committer's
#   clock showed it (a later commit made from a timezone further west sorted lower, QA 7 finding 6), and
#   never older than a parent's, even when a committer's clock is behind;
# - count: the commits reachable from HEAD; a child has more than each of its parents, so two commits within
#   the same second are ordered by history, not by their (random) hashes;
# - commit: only names the build's commit.
# Packages built before this script carried +gitYYYYMMDDHHMM.<commit> (12 digits of local time): the 14 digits
# here compare greater, so they upgrade too.
set -euo pipefail
mode=suffix
if [[ ${1:-} == --date ]]; then mode=date; shift; fi
repo=${1:-$(cd "$(dirname "$0")/.." && pwd)}
git -C "$repo" rev-parse --verify --quiet HEAD >/dev/null 2>&1 || exit 0
# %ct: committer date as Unix time, the same instant whatever the committer's timezone
newest=$(git -C "$repo" log --format=%ct HEAD | sort -n | tail -n 1)
if [[ $mode == date ]]; then echo "$newest"; exit 0; fi
date=$(TZ=UTC date -d "@$newest" +%Y%m%d%H%M%S)
count=$(git -C "$repo" rev-list --count HEAD)
echo "+git$date.$count.$(git -C "$repo" rev-parse --short=7 HEAD)"
