#!/bin/sh
# Rebuilds the C fixtures of the object loader and the runtime
# (src/object/testdata, src/runtime/testdata, src/api/testdata, src/verifier/testdata/c: *.bpf.c)
# with `tsbpf build`, so they use tsbpf's headers and a vmlinux.h of this
# machine's kernel. Run after `npx tsc -p .`; commit the .c and the .o.
set -eu
cd "$(dirname "$0")/.."
for src in src/object/testdata/*.bpf.c src/runtime/testdata/*.bpf.c src/api/testdata/*.bpf.c src/verifier/testdata/c/*.bpf.c; do
	dir=$(dirname "$src")
	name=$(basename "$src" .bpf.c)
	cpu=v3
	# Fixtures named cpuv4* exercise the v4 instructions.
	case "$name" in cpuv4*) cpu=v4 ;; esac
	echo "build $src (cpu $cpu)"
	node bin/tsbpf.js build --cpu "$cpu" "$src" -o "$dir/$name.bpf.o"
done
