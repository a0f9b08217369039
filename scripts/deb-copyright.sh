#!/usr/bin/env bash
# Writes the Debian package's usr/share/doc/earshot/copyright (machine-readable format, DEP-5) to stdout: what the
# binaries contain and under which terms, with each licence's text as the component ships it.
#
#   bash scripts/deb-copyright.sh CHECKOUTS RESOLVED SWIFT_LICENSE
#     CHECKOUTS      the build's .build*/checkouts: every Swift package linked into the programs
#     RESOLVED       Package.resolved (each package's URL and version)
#     SWIFT_LICENSE  the toolchain's share/swift/LICENSE.txt (the Swift runtime and Foundation, linked in)
#
# Earshot's own files have no licence yet: they are listed as such, not given one. A package in CHECKOUTS
# whose licence this script does not recognise stops the build (a person must read it first).
set -euo pipefail
checkouts=$1 resolved=$2 swift_license=$3
here=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "deb-copyright: $*" >&2; exit 1; }
[[ -d $checkouts ]] || die "$checkouts is not a folder (the build's checkouts of the Swift packages)"
[[ -f $resolved ]] || die "$resolved is missing (swift package resolve writes it)"
[[ -f $swift_license ]] || die "$swift_license is missing: the Swift toolchain's licence (share/swift/LICENSE.txt beside its bin/)"

# A licence text as a DEP-5 field continuation: each line indented by one space, empty lines as " ."
indent() { sed -e 's/[[:space:]]*$//' -e 's/^$/./' -e 's/^/ /' "$@"; }
# the first of these files that exists, or nothing
first() { for f in "$@"; do if [[ -f $f ]]; then echo "$f"; return; fi; done; }
# The License: text of an Apache 2.0 LICENSE file. When its licence is word for word Debian's copy in
# /usr/share/common-licenses (base-files, on every Debian system), point there as Debian policy asks (lintian:
# copyright-file-contains-full-apache-2-license), and quote only what the file adds after it (the Swift
# projects' Runtime Library Exception); any other text is quoted whole.
apache_text() {
    local file=$1 common=/usr/share/common-licenses/Apache-2.0 end
    end=$(awk '/limitations under the License\./ { print NR; exit }' "$file")
    if [[ -f $common && -n $end ]] && [[ "$(head -n "$end" "$file" | squash)" == "$(squash < "$common")" ]]; then
        echo " On Debian systems the complete text of the Apache License, Version 2.0, the same as this"
        echo " component's $(basename "$file"), is in /usr/share/common-licenses/Apache-2.0."
        if tail -n +"$((end + 1))" "$file" | grep -q '[^[:space:]]'; then
            echo " ."
            echo " After it, $(basename "$file") says:"
            tail -n +"$((end + 1))" "$file" | sed '/[^[:space:]]/,$!d' | indent
        fi
    else
        indent "$file"
    fi
}
# a text with every run of white space made one space (to compare licence texts laid out differently)
squash() { tr -s '[:space:]' ' ' | sed -e 's/^ //' -e 's/ $//'; }
# FIELD of package IDENTITY in Package.resolved (location, version)
pin() {
    awk -v id="$1" -v key="$2" -F'"' '
        $2 == "identity" { current = $4 }
        current == id && $2 == key { print $4; exit }' "$resolved"
}

cat <<'HEAD'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: earshot
Comment: The programs (/usr/bin/earshot, earshotd, earshot-train: one multi-call binary, three hard links) are
 built with --static-swift-stdlib: the Swift packages, the Swift runtime with Foundation, and ICU's data listed
 below are inside it. The C libraries it loads (ALSA, FFTW, OpenBLAS, libsndfile, libsoxr, libsystemd) come
 from Debian packages, with their own copyright files.

Files: *
Copyright: the Earshot authors
License: none-chosen
 The authors have not yet chosen a licence for Earshot's own files (the programs' own
 code, the units, the configuration, the documentation, the model and the hook examples).
 Until they do, all rights are reserved: no licence is granted by this package.
 .
 The shipped model, usr/share/earshot/earshot-default.safetensors, was trained on
 recordings under several terms, among them non-commercial (CC BY-NC) and research-only
 ones, and inherits them: it is for research and evaluation, not for commercial use
 (/usr/share/doc/earshot/models/README.md, "Data and licences").

Files: demo/demo-gunshots.flac
Copyright: 2022 L. K. D. Katsis et al. (background: Automated detection of gunshots in tropical
 forests using convolutional neural networks, Mendeley Data, doi:10.17632/x48cwz364j.3)
 2014 J. Salamon, C. Jacoby, J. P. Bello, UrbanSound8K (gunshot: clip 110622-6-0-0.wav,
 from Freesound sound 110622)
License: CC-BY-4.0 and CC-BY-NC-3.0
 Installed as /usr/share/earshot/demo-gunshots.flac; how it was mixed is in
 /usr/share/doc/earshot/demo/README.md. The background is under the Creative Commons
 Attribution 4.0 International licence (https://creativecommons.org/licenses/by/4.0/legalcode);
 the gunshot is under Creative Commons Attribution-NonCommercial 3.0
 (https://creativecommons.org/licenses/by-nc/3.0/legalcode): the recording may not be used
 for commercial purposes.
HEAD

for dir in "$checkouts"/*/; do
    dir=${dir%/}; name=$(basename "$dir"); id=$(tr '[:upper:]' '[:lower:]' <<<"$name")
    license=$(first "$dir"/LICENSE "$dir"/LICENSE.txt "$dir"/LICENSE.md "$dir"/COPYING)
    [[ -n $license ]] || die "$name: no LICENSE file in $dir — read its terms and add them to $0"
    if grep -q 'Apache License' "$license" && grep -q 'Version 2.0' "$license"; then
        spdx=Apache-2.0
        if grep -q 'Runtime Library Exception' "$license"; then spdx="Apache-2.0 with Runtime Library Exception"; fi
    elif grep -q 'Permission is hereby granted, free of charge' "$license"; then spdx=Expat
    else die "$name: the licence in $license is neither Apache-2.0 nor MIT — read it and add it to $0"; fi
    notice=$(first "$dir"/NOTICE "$dir"/NOTICE.txt)
    # who holds the copyright: the licence's or notice's own line, else the sources' most frequent header line
    holder=$(cat "$license" ${notice:+"$notice"} | grep -v '\[yyyy\]' \
             | sed -n 's/^[[:space:]]*Copyright[[:space:]]*\((c)\|©\)\{0,1\}[[:space:]]*//p' | head -n 1)
    if [[ -z $holder ]]; then
        holder=$(grep -rhoE --include='*.swift' 'Copyright \(c\) [0-9][0-9, -]* [A-Z][^*]*' "$dir/Sources" 2>/dev/null \
                 | sed -e 's/^Copyright (c) //' -e 's/[[:space:]]*$//' | sort | uniq -c | sort -rn | head -n 1 | sed 's/^ *[0-9]* //' || true)
    fi
    echo
    echo "Files: .build/checkouts/$name/*"
    echo "Copyright: ${holder:-the $name authors}"
    echo "License: $spdx"
    if [[ $spdx == Apache-2.0* ]]; then apache_text "$license"; else indent "$license"; fi
    echo "Comment: $name $(pin "$id" version) ($(pin "$id" location)), linked into the programs."
    if [[ -n $notice ]]; then echo " Its NOTICE file:"; echo " ."; indent "$notice"; fi
    if [[ -d $dir/Sources/CYaml ]]; then
        # Yams compiles libyaml's C sources into itself
        echo
        echo "Files: .build/checkouts/$name/Sources/CYaml/*"
        echo "Copyright: 2006-2016 Kirill Simonov"
        echo " 2017-2020 Ingy döt Net"
        echo "License: Expat"
        indent "$here/packaging/debian/licenses/libyaml"
        echo "Comment: libyaml (https://github.com/yaml/libyaml), part of $name, linked into the programs."
    fi
done

cat <<EOF

Files: swift-toolchain/*
Copyright: 2014-2026 Apple Inc. and the Swift project authors
License: Apache-2.0 with Runtime Library Exception
$(apache_text "$swift_license")
Comment: The Swift runtime and standard library, Foundation (swift-foundation,
 swift-corelibs-foundation) and libdispatch, linked into the programs from the toolchain.

Files: swift-toolchain/icu/*
Copyright: 2016-2024 Unicode, Inc. and others
License: Unicode-3.0
$(indent "$here/packaging/debian/licenses/Unicode-3.0")
Comment: ICU (swift-foundation-icu, https://github.com/swiftlang/swift-foundation-icu) and its
 data, linked into the programs with Foundation.
EOF
