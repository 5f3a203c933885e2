#!/bin/sh
# Build the Debian package into build/deb/ (make deb). dpkg-buildpackage
# writes its results next to the source tree, so the tree is copied to
# build/deb/repocast-VERSION/ (the files git tracks, and new ones it does
# not ignore) and built there; the .deb, .buildinfo and .changes land in
# build/deb/. Then lintian checks the package: any error fails.
# Usage: sh mk/deb.sh VERSION
set -eu
version=$1
out=build/deb
src=$out/repocast-$version

rm -rf "$out"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard |
    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
    cpio -0 -pdm --quiet "$src"
changelog=$(sed -n '1s/^repocast (\([^)]*\)).*/\1/p' debian/changelog)
if [ "$changelog" != "$version" ]; then
	echo "deb: debian/changelog is at $changelog, the Makefile's VERSION is $version" >&2
	exit 1
fi
start=$(date +%s)
# two jobs (the machines have two cores), unless DEB_BUILD_OPTIONS says
case " ${DEB_BUILD_OPTIONS:-} " in
*" parallel="*) ;;
*) DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-} parallel=2" ;;
esac
export DEB_BUILD_OPTIONS
(cd "$src" && dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 || {
	tail -n 30 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
echo "deb: built in $(($(date +%s) - start))s: $(cd "$out" && ls ./*.deb | tr '\n' ' ')"
lintian --fail-on error --info "$out"/repocast_"$version"_*.deb | tee "$out/lintian.log"
echo "deb: lintian: no errors"
echo "deb: testing the package (tests/integration/deb.sh)"
bash tests/integration/deb.sh
