#!/bin/sh
# deb.sh - the Debian package, as an administrator gets it: built with
# dpkg-buildpackage from a clean copy of the tree, checked by lintian,
# installed with dpkg -i, used from the installed paths only (the program,
# the shipped matrix, the example site, the site template, the manual, the
# systemd units, the AppArmor profile, logrotate), run live on lo as the
# user flowaudit with only the unit's two ambient capabilities, and purged,
# leaving nothing behind but the system user (adduser's advice).
#
# Installing a package changes the machine: it runs only as root (CI is
# root), in the normal build's suite (not the sanitizer build's, which runs
# beside it), and not when a flowaudit package is already installed.
set -u
: "${SRCDIR:?}" "${BUILDDIR:?}" "${FLOWAUDIT:?}"
. "$SRCDIR/tests/tap.sh"

skip() {
	echo "1..0 # SKIP $*"
	exit 0
}
[ "${SANITIZED:-no}" = yes ] && skip "the package is built once, by the normal build's suite"
[ -n "${FLOWAUDIT_PACKAGE_BUILD:-}" ] && skip "running inside the package build itself"
[ "$(id -u)" -eq 0 ] || skip "installing a package needs root"
for tool in dpkg-buildpackage dh dh_apparmor lintian systemd-analyze apparmor_parser \
	    logrotate setpriv man python3; do
	command -v "$tool" >/dev/null ||
		skip "$tool is missing (./bootstrap check installs the package tools)"
done
dpkg-query -W -f='${Status}\n' flowaudit 2>/dev/null | grep -q ' installed$' &&
	skip "a flowaudit package is installed already; this test would replace and purge it"

version=$(sed -n 's/^AC_INIT(\[flowaudit\], \[\([^]]*\)\].*/\1/p' "$SRCDIR/configure.ac")
work=$(mktemp -d "${TMPDIR:-/tmp}/flowaudit-deb.XXXXXX")
installed=no
cleanup() {
	[ "$installed" = yes ] && dpkg --purge flowaudit >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# dpkg takes a lock another process (apt) may hold for a while: wait for it,
# at most a minute.
dpkg_retry() {
	tries=0
	while :; do
		dpkg "$@" >"$work/dpkg.log" 2>&1 && return 0
		grep -q 'lock' "$work/dpkg.log" && [ "$tries" -lt 30 ] || return 1
		tries=$((tries + 1))
		sleep 2
	done
}

## ---- Build -----------------------------------------------------------
# A clean copy: no build directories (build/, build-sanitize/, distcheck's
# _build/ and _inst/), no .git (the tree may be make distcheck's).
src="$work/flowaudit-$version"
mkdir "$src"
tar -C "$SRCDIR" --exclude='./build*' --exclude=./_build --exclude=./_inst \
	--exclude=./.git --exclude=./autom4te.cache -cf - . | tar -C "$src" -xf -
chmod -R u+w "$src"
# The source package too, for lintian: the copy is its own release tarball,
# debian/ included, as make dist makes it.
(cd "$work" && tar -czf "flowaudit_${version}.orig.tar.gz" "flowaudit-$version" &&
	cd "$src" && dpkg-source -b .) >"$work/source.log" 2>&1
check $? "dpkg-source -b builds the source package flowaudit_${version}-1.dsc" "$work/source.log"
# The suite running this has just run the tests: nocheck; no debug symbols
# package (noautodbgsym), which nothing here installs.
# The files' times come from debian/changelog, not from the suite's fixed
# SOURCE_DATE_EPOCH.
(cd "$src" && unset SOURCE_DATE_EPOCH && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" \
	dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1
rc=$?
arch=$(dpkg --print-architecture)
deb="$work/flowaudit_${version}-1_${arch}.deb"
[ "$rc" = 0 ] && [ -f "$deb" ]
check $? "dpkg-buildpackage -us -uc -b builds $(basename "$deb") (exit $rc)" "$work/build.log"
[ -f "$deb" ] || { echo "1..$n"; exit 1; }
grep -E '^dpkg-deb: building package' "$work/build.log" | sed 's/^/# /'

depends=$(dpkg-deb -f "$deb" Depends)
echo "# Depends: $depends"
echo "$depends" | grep -q 'libpcap0.8 (>=' && echo "$depends" | grep -q 'libndpi' &&
	echo "$depends" | grep -q 'adduser'
check $? "Depends is computed from the libraries linked (shlibs) and names adduser"

lintian --fail-on error,warning "$work/flowaudit_${version}-1.dsc" \
	"$work/flowaudit_${version}-1_${arch}.changes" >"$work/lintian.log" 2>&1
rc=$?
echo "# lintian: $(grep -c '^E:' "$work/lintian.log") errors," \
	"$(grep -c '^W:' "$work/lintian.log") warnings," \
	"$(grep -c '^[IP]:' "$work/lintian.log") info/pedantic; overridden, with reasons:"
grep -hv '^#' "$src/debian/source/lintian-overrides" "$src/debian/flowaudit.lintian-overrides" |
	sed 's/^/#   /'
check $rc "lintian on the source and binary packages: no errors, no warnings (overrides give their reasons)" "$work/lintian.log"

## ---- Install ---------------------------------------------------------
dpkg_retry -i "$deb"
rc=$?
[ "$rc" = 0 ] && installed=yes
check $rc "dpkg -i installs it" "$work/dpkg.log"
[ "$installed" = yes ] || { echo "1..$n"; exit 1; }
dpkg -L flowaudit | sort >"$work/files"
sed 's/^/# dpkg -L: /' "$work/files"
missing=""
for f in /usr/bin/flowaudit /usr/share/man/man1/flowaudit.1.gz \
	 /usr/share/man/man5/flowaudit-site.5.gz /usr/share/flowaudit/speechexec-enterprise.json \
	 /usr/share/doc/flowaudit/examples/site.json /usr/share/doc/flowaudit/site-format.md.gz \
	 /lib/systemd/system/flowaudit-watch.service /lib/systemd/system/flowaudit-watch@.service \
	 /etc/logrotate.d/flowaudit /etc/flowaudit/site.json /etc/apparmor.d/usr.bin.flowaudit; do
	grep -qx "$f" "$work/files" && [ -e "$f" ] || missing="$missing $f"
done
[ -z "$missing" ]
check $? "the package installs the program, both manual pages, the matrix, the example site, the site format, both units, logrotate, the site template and the profile${missing:+ (missing:$missing)}"

conffiles=$(dpkg-query -W -f='${Conffiles}' flowaudit)
echo "$conffiles" | grep -q '/etc/flowaudit/site.json'
check $? "/etc/flowaudit/site.json is a conffile"

uid=$(id -u flowaudit 2>/dev/null)
[ -n "$uid" ] && [ "$uid" -lt 1000 ] &&
	[ "$(stat -c '%U %G %a' /var/lib/flowaudit)" = "flowaudit flowaudit 750" ]
check $? "postinst made the system user flowaudit (uid ${uid:-none}) owning /var/lib/flowaudit (0750)"

## ---- Use, from the installed paths only ---------------------------------
# The suite's environment points at the source tree's matrix: not here.
unset FLOWAUDIT_MATRIX_DIR
fa=/usr/bin/flowaudit
# Not man's standard width of 80, for man and for systemd-analyze verify,
# which runs man on Documentation=: man-db then caches no formatted page
# in /var/cache/man, which the purge check below would find left over.
MANWIDTH=100; export MANWIDTH
out="$work/out" err="$work/err"

"$fa" --version >"$out" 2>&1
grep -qx "flowaudit $version" "$out"
check $? "flowaudit --version says $version" "$out"

"$fa" check --site /usr/share/doc/flowaudit/examples/site.json >"$out" 2>"$err"
rc=$?
[ "$rc" = 0 ] && grep -q '(/usr/share/flowaudit/speechexec-enterprise.json)' "$out"
check $? "check --site the example site: accepted against the installed matrix (exit $rc)" "$err"

"$fa" check --site /etc/flowaudit/site.json >"$out" 2>"$err"
rc=$?
[ "$rc" = 0 ] && grep -q '^Site NOT CONFIGURED: edit /etc/flowaudit/site.json' "$out" &&
	grep -q 'the site binds no role: no rule applies, and an audit would judge nothing' "$out"
check $? "check --site /etc/flowaudit/site.json: the template is accepted and says it audits nothing yet (exit $rc)" "$err"

# The same audit by the installed program with its installed matrix and by
# the suite's build with the source tree's: the same report.
"$fa" audit --fail-on none --site /usr/share/doc/flowaudit/examples/site.json \
	"$BUILDDIR/pcaps/demo.pcap" >"$out" 2>"$err"
rc=$?
FLOWAUDIT_MATRIX_DIR="$SRCDIR/rules" "$FLOWAUDIT" audit --fail-on none \
	--site "$SRCDIR/pcaps/demo-site.json" "$BUILDDIR/pcaps/demo.pcap" >"$work/build-out" 2>/dev/null
[ "$rc" = 0 ] && grep -q '^VERDICT: .* missing 1, blocked 1,' "$out" && cmp -s "$out" "$work/build-out"
check $? "audit of the demo capture with the installed matrix: the build's report, missing 1, blocked 1 (exit $rc)" "$err"

for page in "1 flowaudit" "5 flowaudit-site"; do
	set -- $page
	path=$(man -w "$1" "$2" 2>/dev/null)
	man "$1" "$2" >"$out" 2>"$err"
	rc=$?
	[ "$rc" = 0 ] && [ "$path" = "/usr/share/man/man$1/$2.$1.gz" ] && [ ! -s "$err" ] &&
		grep -q 'NAME' "$out" && [ "$(wc -l <"$out")" -gt 20 ]
	check $? "man $1 $2 renders the installed page ($path), no warnings" "$err"
done

## ---- The service ---------------------------------------------------------
if [ "$(ps -o comm= -p 1)" = systemd ]; then
	echo "# systemd is PID 1: the units are still verified statically here"
else
	echo "# systemd is not PID 1 (a container): the units are verified statically (systemd-analyze verify), not started"
fi
units="$work/units"
mkdir "$units"
cp /lib/systemd/system/flowaudit-watch.service "$units/"
cp /lib/systemd/system/flowaudit-watch@.service "$units/flowaudit-watch@eth1.service"
(cd "$units" && systemd-analyze verify flowaudit-watch.service flowaudit-watch@eth1.service) >"$out" 2>&1
rc=$?
[ "$rc" = 0 ] && [ ! -s "$out" ]
check $? "systemd-analyze verify: both installed units, the instance as flowaudit-watch@eth1 (exit $rc)" "$out"
grep -q '^ExecStart=/usr/bin/flowaudit watch -i \${INTERFACE}' "$units/flowaudit-watch@eth1.service" &&
	grep -q '^Environment=INTERFACE=%I ' "$units/flowaudit-watch@eth1.service" &&
	grep -q '^StateDirectory=flowaudit/%i$' "$units/flowaudit-watch@eth1.service"
check $? "the instance unit watches the interface its instance names, into a directory of its own"

# Enabling works without a running systemd (it only makes links): an
# instance enabled as an administrator would, which purge must not leave.
systemctl enable flowaudit-watch@lo.service >"$out" 2>&1
rc=$?
[ "$rc" = 0 ] && [ -L /etc/systemd/system/multi-user.target.wants/flowaudit-watch@lo.service ]
check $? "systemctl enable flowaudit-watch@lo (offline): the instance is enabled (exit $rc)" "$out"

(cd "$units" && systemd-analyze security --offline=yes flowaudit-watch@eth1.service) >"$out" 2>&1
score=$(sed -n 's/.*Overall exposure level for flowaudit-watch@eth1.service: \([0-9.]*\).*/\1/p' "$out")
grep '✗' "$out" | sed 's/  */ /g; s/^/# kept: /'
[ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s < 2.0) }'
check $? "systemd-analyze security flowaudit-watch@eth1.service: exposure ${score:-unknown}, below 2.0" "$out"

apparmor_parser -Q -K /etc/apparmor.d/usr.bin.flowaudit >"$out" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q 'flags=(complain)' /etc/apparmor.d/usr.bin.flowaudit &&
	[ -f /etc/apparmor.d/local/usr.bin.flowaudit ]
check $? "apparmor_parser -Q loads the profile (complain mode; postinst made its local include) (exit $rc)" "$out"

logrotate -d /etc/logrotate.d/flowaudit >"$out" 2>&1
rc=$?
[ "$rc" = 0 ] && ! grep -qi 'error' "$out"
check $? "logrotate -d accepts /etc/logrotate.d/flowaudit (exit $rc)" "$out"

## ---- Live, as the unit runs it ---------------------------------------------
# The user flowaudit with CAP_NET_RAW and CAP_NET_ADMIN as ambient (and
# inheritable) capabilities and no others, as AmbientCapabilities= gives
# them: it opens lo, clears them, and writes reports as flowaudit.
exec 9>"${TMPDIR:-/tmp}/flowaudit-live-lo.lock"
flock 9
report_dir=/var/lib/flowaudit/test-lo
install -d -o flowaudit -g flowaudit -m 0750 "$report_dir"
as_flowaudit() {
	caps=$1; shift
	setpriv --reuid=flowaudit --regid=flowaudit --init-groups \
		--inh-caps="-all$caps" --ambient-caps="-all$caps" --bounding-set="-all$caps" "$@"
}
python3 -c '
import socket, time
time.sleep(1)
for _ in range(3):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", 9))
    except OSError:
        pass
    s.close()
    time.sleep(0.3)' &
talker=$!
as_flowaudit ",+net_raw,+net_admin" timeout -k 5 30 "$fa" watch -i lo --duration 4s \
	--site /etc/flowaudit/site.json --window 1h --report-dir "$report_dir" \
	--format json --events "$report_dir/events.jsonl" >"$out" 2>"$err" &
watcher=$!
sleep 2
status=$(cat "/proc/$(pgrep -u flowaudit -x flowaudit | head -1)/status" 2>/dev/null)
wait "$watcher"
rc=$?
wait "$talker"
echo "$status" | grep -E '^(Uid|CapInh|CapPrm|CapEff|CapAmb):' | sed 's/^/# running watch: /'
[ "$rc" = 0 ] && grep -q 'privileges dropped' "$err" &&
	[ "$(stat -c %U "$report_dir/latest.json" 2>/dev/null)" = flowaudit ] &&
	[ "$(stat -c %U "$report_dir/events.jsonl" 2>/dev/null)" = flowaudit ]
check $? "watch -i lo as flowaudit with only the two ambient capabilities: reports written as flowaudit (exit $rc)" "$err"
echo "$status" | grep -q "^Uid:[[:space:]]*$uid[[:space:]]" &&
	echo "$status" | grep -Eq '^CapEff:[[:space:]]*0+$' &&
	echo "$status" | grep -Eq '^CapPrm:[[:space:]]*0+$' &&
	echo "$status" | grep -Eq '^CapAmb:[[:space:]]*0+$'
check $? "once lo is open the watcher holds no capability (effective, permitted, ambient all 0)"
grep -Eq '"packets":[[:space:]]*[1-9]' "$report_dir/latest.json" 2>/dev/null
check $? "the live report counts the packets seen on lo" "$report_dir/latest.json"

as_flowaudit "" timeout -k 5 30 "$fa" watch -i lo --duration 2s \
	--site /etc/flowaudit/site.json --report-dir "$report_dir" >"$out" 2>"$err"
rc=$?
[ "$rc" != 0 ] && grep -qi 'lo' "$err"
check $? "without the capabilities the same user cannot open lo (exit $rc): they are what the unit grants" "$err"
flock -u 9

## ---- Purge ---------------------------------------------------------------
dpkg_retry --purge flowaudit
rc=$?
[ "$rc" = 0 ] && installed=no
check $rc "dpkg --purge removes it" "$work/dpkg.log"
left=""
while read -r f; do
	[ -d "$f" ] && continue  # directories other packages share (/lib a link to one)
	{ [ -e "$f" ] || [ -L "$f" ]; } && left="$left $f"
done <"$work/files"
for f in /etc/flowaudit /var/lib/flowaudit /usr/share/flowaudit /usr/share/doc/flowaudit \
	 /etc/apparmor.d/local/usr.bin.flowaudit /var/lib/dpkg/info/flowaudit.list \
	 /etc/systemd/system/multi-user.target.wants/flowaudit-watch@lo.service; do
	{ [ -e "$f" ] || [ -L "$f" ]; } && left="$left $f"
done
left="$left $(find /etc /lib/systemd /usr/bin /usr/share /var/lib /var/cache -name '*flowaudit*' \
	! -path '/var/lib/dpkg/*' 2>/dev/null | tr '\n' ' ')"
left=$(echo $left)
[ -z "$left" ]
check $? "purge leaves no file, conffile, report directory, enabled instance or profile behind${left:+ (left: $left)}"
id flowaudit >/dev/null 2>&1 && echo "# the system user flowaudit stays after purge, as adduser's documentation advises"

echo "1..$n"
[ "$failed" -eq 0 ]
