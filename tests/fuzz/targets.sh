# shellcheck shell=sh disable=SC2034,SC2154
# targets.sh - the fuzz targets and the libFuzzer options each runs with;
# sourced by build.sh, smoke.sh and run-long.sh (set $here to this
# directory first), so a short run and a long one fuzz alike. POSIX sh.

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
