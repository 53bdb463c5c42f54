#!/bin/sh
# build.sh OUTDIR: compiles the native reference programs (decisions.md,
# ruling 12) against the system libzmq into OUTDIR (default ./bin).
# Needs a C compiler and pkg-config's libzmq entry (apt libzmq3-dev).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-bin}
mkdir -p "$out"
cc=${CC:-cc}
flags=$(pkg-config --cflags --libs libzmq)
for p in zh_local_thr zh_remote_thr zh_local_lat zh_remote_lat; do
	# shellcheck disable=SC2086 # flags is a word list on purpose
	$cc -O2 -Wall -Wextra -o "$out/$p" "$here/$p.c" $flags
done
