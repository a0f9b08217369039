#!/usr/bin/env bash
# Writes the Debian package's manual pages, gzip -9n, from the built programs' own help (swift-argument-parser's
# generate-manual, from each program's --experimental-dump-help): earshot(1) and earshot-train(1) with a page per
# subcommand, named as Debian names them (earshot-detect(1), earshot-train-adapt(1): `man earshot-detect`), and
# earshotd(8).
#
#   bash scripts/deb-manpages.sh GENERATE_MANUAL BINDIR DATE MANDIR
#     GENERATE_MANUAL  the built generate-manual tool (swift build --product generate-manual)
#     BINDIR           the folder of earshot, earshotd and earshot-train (the package's staged usr/bin)
#     DATE             YYYY-MM-DD, the pages' date (the build's commit date: the same pages from the same commit)
#     MANDIR           the package's usr/share/man: written into its man1/ and man8/
set -euo pipefail
generate=$1 bindir=$2 date=$3 mandir=$4
die() { echo "deb-manpages: $*" >&2; exit 1; }
[[ -x $generate ]] || die "$generate is not the built generate-manual (swift build --product generate-manual)"
perl -MJSON::PP -e 1 2>/dev/null || die "perl with JSON::PP is missing (apt-get install perl)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The help a program gives generate-manual (its --experimental-dump-help, JSON), prepared for it:
# - without ArgumentParser's own `help` subcommand (--help's text again), which gave each program a page of it and
#   earshotd, which has no subcommands, "earshotd subcommand" in its SYNOPSIS;
# - generate-manual (1.8.2) drops every non-ASCII character ("models 1–10" became "models 110"): each is written
#   @uXXXX@ here, and turned back into the character in the pages (UTF-8, as Debian's man-db reads them).
# JSON::PP is perl's own (dpkg-dev, which this build needs, depends on perl).
help_json() {
    "$bindir/$1" --experimental-dump-help | perl -CS -MJSON::PP -e '
        local $/; my $tool = JSON::PP->new->decode(<STDIN>);
        sub prune { my $c = shift; return unless $c->{subcommands};
            $c->{subcommands} = [grep { $_->{commandName} ne "help" } @{$c->{subcommands}}];
            if (@{$c->{subcommands}}) { prune($_) for @{$c->{subcommands}} } else { delete $c->{subcommands} } }
        prune($tool->{command});
        my $json = JSON::PP->new->canonical->encode($tool);
        $json =~ s/([^\x00-\x7F])/sprintf("\@u%04X\@", ord $1)/ge;
        print $json;'
}

# PROGRAM SECTION [--multi-page]: its pages into MANDIR/manSECTION. generate-manual names a subcommand's page after
# the command path joined by dots (earshot.detect.1, titled EARSHOT.DETECT, linked from earshot.1 as
# earshot.detect(1), NAME "earshot detect", which lexgrog — whatis, man -k — cannot parse): here joined by hyphens,
# as git-commit(1) is, with the command as it is run in the SYNOPSIS. An empty line (a paragraph break in the help)
# becomes .Pp, as mdoc asks.
pages() {
    local program=$1 section=$2 out="$work/$1" f name
    mkdir -p "$out" "$mandir/man$section"
    help_json "$program" > "$work/$program.json" || die "$bindir/$program --experimental-dump-help failed"
    printf '#!/bin/sh\nexec cat "%s"\n' "$work/$program.json" > "$work/$program.help"
    chmod +x "$work/$program.help"
    "$generate" "$work/$program.help" --section "$section" --date "$date" --output-directory "$out" "${@:3}" >/dev/null \
        || die "generate-manual failed on $bindir/$program's help"
    for f in "$out"/*."$section"; do
        name=$(basename "$f" ".$section")
        perl -CS -0pe '
            s/\@u([0-9A-F]{4,6})\@/chr(hex $1)/ge;
            s/^(\.(?:Dt|Xr) )(\S+)/$1 . ($2 =~ tr|.|-|r)/mge;
            if (/^\.Nm "(\S+) ([^"]+)"\n/m) { my ($n, $s) = ("$1-$2", "\"$1 $2\""); $n =~ tr| |-|;
                s/^\.Nm "[^"]+"\n/.Nm $n\n/m; s/^\.Nm\n/.Nm $s\n/m; }
            s/^[ \t]*$/.Pp/mg; s/\n*\z/\n/;' "$f" \
            | gzip -9n > "$mandir/man$section/${name//./-}.$section.gz"
    done
}
pages earshot 1 --multi-page
pages earshot-train 1 --multi-page
pages earshotd 8
chmod 0644 "$mandir"/man*/*.gz
