# shellcheck shell=sh disable=SC2034,SC2154
# targets.sh - the fuzz targets, the libFuzzer options each runs with and
# the run itself (fuzz_run); sourced by build.sh, smoke.sh and run-long.sh
# (set $here to this directory first), so a short run and a long one fuzz
# alike. POSIX sh.

FUZZ_TARGETS="fuzz_decode fuzz_dns fuzz_matrix fuzz_site fuzz_capture"

# Inputs as large as one whole frame of the largest snapshot libpcap reads
# (262144 bytes) and the headers around it: fuzz_decode's selector and
# length (3 bytes), fuzz_capture's pcap or pcapng file and record headers.
# libFuzzer's default (the largest seed, or 4096) never gets there, and
# some bugs (a header chain a call deeper per 8 bytes) need the room.
FUZZ_FRAME_MAX_LEN=263168

# fuzz_dict TARGET OUT: writes TARGET's dictionary (libFuzzer -dict) to OUT
# and says true, or false when TARGET has none. A dictionary gives the
# magic numbers a mutation seldom guesses (ethertypes, IP protocols, tunnel
# ports, file magics, keywords); packets.dict is shared by the two targets
# that fuzz frames, rules.dict by the two that fuzz rule files.
fuzz_dict() {
	case $1 in
	fuzz_decode | fuzz_capture) set -- "$2" "$here/packets.dict" "$here/$1.dict" ;;
	fuzz_matrix | fuzz_site) set -- "$2" "$here/rules.dict" ;;
	*) set -- "$2" "$here/$1.dict" ;;
	esac
	fuzz_dict_out=$1
	shift
	[ -f "$1" ] || return 1
	cat "$@" >"$fuzz_dict_out"
}

# fuzz_flags TARGET WORKDIR: the options TARGET runs with (-max_len where
# frames are fuzzed; -dict, written into WORKDIR, where it has one).
fuzz_flags() {
	case $1 in
	fuzz_decode | fuzz_capture) echo "-max_len=$FUZZ_FRAME_MAX_LEN" ;;
	esac
	if fuzz_dict "$1" "$2/$1.dict"; then
		echo "-dict=$2/$1.dict"
	fi
}

# fuzz_run TARGET BINDIR WORK SECONDS [COMMAND...]: runs BINDIR/TARGET for
# SECONDS over WORK/corpus/TARGET (made; the inputs it finds are kept
# there), then WORK/seeds/TARGET and regressions/TARGET where they exist,
# with fuzz_flags' options (the dictionary written into WORK/dicts), the
# sanitizer options ($FUZZ_ASAN_OPTIONS, else detect_leaks=1) and the
# limits of every run: 30 s an input, 2560 MB. A crash input goes to
# WORK/artifacts/TARGET-*, libFuzzer's output to WORK/logs/TARGET.log.
# COMMAND, when given, runs the target (`nice -n 10`). Says what libFuzzer
# says (0: no crash, leak, sanitizer report or timeout).
fuzz_run() {
	fuzz_t=$1 fuzz_bin=$2/$1 fuzz_work=$3 fuzz_seconds=$4
	shift 4
	mkdir -p "$fuzz_work/corpus/$fuzz_t" "$fuzz_work/dicts" \
		"$fuzz_work/artifacts" "$fuzz_work/logs" || return 1
	fuzz_dirs="$fuzz_work/corpus/$fuzz_t"
	for fuzz_d in "$fuzz_work/seeds/$fuzz_t" "$here/regressions/$fuzz_t"; do
		[ -d "$fuzz_d" ] && fuzz_dirs="$fuzz_dirs $fuzz_d"
	done
	fuzz_opts=$(fuzz_flags "$fuzz_t" "$fuzz_work/dicts")
	# shellcheck disable=SC2086
	ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$@" "$fuzz_bin" -max_total_time="$fuzz_seconds" -timeout=30 \
		-rss_limit_mb=2560 -print_final_stats=1 \
		-artifact_prefix="$fuzz_work/artifacts/$fuzz_t-" $fuzz_opts $fuzz_dirs \
		>"$fuzz_work/logs/$fuzz_t.log" 2>&1
}
