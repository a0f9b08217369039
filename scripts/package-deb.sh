#!/usr/bin/env bash
# Builds a Debian package of Earshot for boxes WITHOUT a Swift toolchain: earshot, earshotd and earshot-train
# as one multi-call binary (earshot-multicall, which does the work of the program whose name it is run as) with
# the Swift runtime inside it (--static-swift-stdlib), installed once as /usr/bin/earshot with /usr/bin/earshotd
# and /usr/bin/earshot-train hard links to it (`make install MULTICALL=…`: the runtime, Foundation and ICU's data
# are on disk once, not three times); the units, the journal catalog, the default config (a conffile), the
# shipped model and the hook examples — `make install`'s tree with PREFIX=/usr — plus the programs' manual pages
# (scripts/deb-manpages.sh), maintainer scripts (packaging/debian/), the copyright file (scripts/deb-copyright.sh)
# and a changelog. Depends: is computed by dpkg-shlibdeps from the binary, so it names the Debian packages of
# the C libraries it really loads.
#
#   bash scripts/package-deb.sh              # → dist/earshot_<version>_<arch>.deb   (make deb does the same)
#   apt install ./dist/earshot_*.deb         # on the box (Debian 12); then the README's "Install as a service"
#
# Environment: OUT (dist), SCRATCH (.build-static), CONFIGURATION (release; debug for quick tests), SWIFT
# (swift), MAINTAINER (the package's Maintainer: field, "Name <address>"; the builder's git user.name and
# user.email when unset), COMPRESSION (xz; none for quick tests).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export PATH="/opt/swift/usr/bin:$PATH"
OUT=${OUT:-dist}
SCRATCH=${SCRATCH:-.build-static}
CONFIGURATION=${CONFIGURATION:-release}
SWIFT=${SWIFT:-swift}
# the Maintainer: whoever builds the package answers for it: the builder's git identity, unless MAINTAINER says
# otherwise; with neither, an address that says plainly it reaches nobody
if [[ -z ${MAINTAINER:-} ]]; then
    name=$(git config user.name 2>/dev/null || true) email=$(git config user.email 2>/dev/null || true)
    if [[ -n $name && -n $email ]]; then MAINTAINER="$name <$email>"
    else MAINTAINER="Earshot developers <earshot@maintainer-not-set.invalid>"; fi
fi
COMPRESSION=${COMPRESSION:-xz}
multicall=earshot-multicall
binaries=(earshot earshotd earshot-train)   # its names in /usr/bin

die() { echo "package-deb: $*" >&2; exit 1; }
for tool in dpkg-deb dpkg-shlibdeps fakeroot readelf strip; do
    command -v "$tool" >/dev/null || die "$tool is missing: apt-get install dpkg-dev fakeroot binutils"
done

# generate-manual (swift-argument-parser's tool) writes the manual pages from the programs' help
for product in "$multicall" generate-manual; do
    "$SWIFT" build -c "$CONFIGURATION" --static-swift-stdlib --scratch-path "$SCRATCH" --product "$product"
done
bin="$SCRATCH/$CONFIGURATION"
# A binary that still loads the Swift runtime from the toolchain would not start on the box.
runtime=$(readelf -d "$bin/$multicall" | grep NEEDED | grep -o 'libswift[A-Za-z_]*\.so' | sort -u | tr '\n' ' ' || true)
[[ -z $runtime ]] || die "$bin/$multicall loads the Swift runtime from the toolchain (${runtime% }): a box without it could not start the program; build with --static-swift-stdlib (what this script does unless SWIFT/SCRATCH point elsewhere)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# stripped once, here, before make install links its three names to it
mkdir "$work/bin"
cp "$bin/$multicall" "$work/bin/"
strip --strip-unneeded "$work/bin/$multicall"
stage="$work/stage"
make -s -C "$repo" install DESTDIR="$stage" PREFIX=/usr NOBUILD=1 BINSRC="$work/bin" MULTICALL="$multicall" >/dev/null
inodes=$(stat -c '%i %h' "${binaries[@]/#/$stage/usr/bin/}" | sort -u)
[[ $(wc -l <<<"$inodes") == 1 && ${inodes#* } == "${#binaries[@]}" ]] \
    || die "usr/bin/{${binaries[*]}} are not one file with ${#binaries[@]} names (inode, links: $(echo $inodes))"

version=$("$stage/usr/bin/earshot" --version)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "earshot --version printed '$version', not a version"
# +gitDATE.COUNT.COMMIT (UTC date, commits in the history): every build of a later commit upgrades the one before
version="$version$(bash scripts/package-version.sh "$repo")"
arch=$(dpkg --print-architecture)

built=$(bash scripts/package-version.sh --date "$repo"); built=${built:-${SOURCE_DATE_EPOCH:-$(date +%s)}}

# usr/share/man: earshot(1) and a page per subcommand (earshot-detect(1), …), earshot-train(1) and its
# subcommands', earshotd(8), dated by the build's commit, so a build of the same commit writes the same pages
bash scripts/deb-manpages.sh "$bin/generate-manual" "$stage/usr/bin" "$(date -u -d "@$built" +%F)" "$stage/usr/share/man"

# usr/share/doc/earshot/copyright: what the programs contain (the Swift packages of this build's checkouts, the
# Swift runtime, ICU) under which terms, with the licences' texts; changelog.gz: this build, in the format of a
# Debian native package's changelog
doc="$stage/usr/share/doc/earshot"
swift_license="$(dirname "$(readlink -f "$(command -v "$SWIFT")")")/../share/swift/LICENSE.txt"
bash scripts/deb-copyright.sh "$SCRATCH/checkouts" Package.resolved "$swift_license" > "$doc/copyright"
chmod 0644 "$doc/copyright"
commit=$(git -C "$repo" rev-parse --short=7 HEAD 2>/dev/null || echo "unknown (not a git checkout)")
{
    echo "earshot ($version) unstable; urgency=medium"
    echo
    echo "  * Build of commit $commit (the git log of the repository lists the changes)."
    echo
    echo " -- $MAINTAINER  $(LC_ALL=C date -u -R -d "@$built")"
} | gzip -9n > "$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"
echo "package-deb: Maintainer: $MAINTAINER (set MAINTAINER to change it)" >&2

# Depends: from the binaries' NEEDED libraries (dpkg-shlibdeps wants a debian/control beside it)
mkdir -p "$work/src/debian"
printf 'Source: earshot\n\nPackage: earshot\nArchitecture: any\n' > "$work/src/debian/control"
depends=$(cd "$work/src" && dpkg-shlibdeps -O "-e$stage/usr/bin/earshot" 2>"$work/shlibdeps.err" \
          | sed -n 's/^shlibs:Depends=//p') || { cat "$work/shlibdeps.err" >&2; die "dpkg-shlibdeps failed"; }
[[ -n $depends ]] || { cat "$work/shlibdeps.err" >&2; die "dpkg-shlibdeps found no dependencies"; }

mkdir -p "$stage/DEBIAN"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$stage/DEBIAN/"
# every file under /etc is the operator's to edit: dpkg keeps their version on upgrades
(cd "$stage" && find etc -type f | sed 's|^|/|' | sort) > "$stage/DEBIAN/conffiles"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z | xargs -0 md5sum | sed 's|  \./|  |') > "$stage/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
# Recommends: the ALSA tools the README, `earshot devices` and `earshot listen` send the operator to (arecord -l,
# alsamixer for the input gain). Suggests: what the shipped example hooks run (curl: ntfy-webhook.sh and
# heartbeat-ping.sh; mosquitto_pub: mqtt.sh; a sendmail that sends by SMTP itself: email.sh, msmtp-mta), and dbus,
# which systemd-run needs for config/hooks/README.md's test of the sendmail in the unit's sandbox.
cat > "$stage/DEBIAN/control" <<EOF
Package: earshot
Version: $version
Architecture: $arch
Maintainer: $MAINTAINER
Installed-Size: $size
Depends: $depends
Recommends: alsa-utils
Suggests: curl, mosquitto-clients, msmtp-mta, dbus
Section: sound
Priority: optional
Description: always-on gunshot detector (earshotd, earshot CLI, trainer)
 Listens to a microphone all day; when it hears gunfire it writes a structured
 alert to the systemd journal and runs the operator's hook script (page
 security, post to a chat, publish to MQTT), with the recording of the shot.
 Includes the systemd units (earshot.service, earshot@.service for one
 detector per microphone), the journal catalog, the default configuration,
 the shipped model and example hooks. Not started on install: set the
 microphone in /etc/earshot/earshot.yaml, then systemctl enable --now earshot.
EOF

mkdir -p "$OUT"
deb="$OUT/earshot_${version}_${arch}.deb"
fakeroot dpkg-deb --build -Z"$COMPRESSION" "$stage" "$deb" >/dev/null
echo "$deb"
