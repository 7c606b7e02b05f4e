#!/bin/sh
# Rebuilds the BPF objects the btf/ and elf/ tests read. The .o files are
# committed so tests do not need clang; rerun this after editing a .c file.
set -eu
CLANG=${CLANG:-clang-19}
cd "$(dirname "$0")/.."
for src in src/btf/testdata/*.c; do
  "$CLANG" -O2 -g -target bpf -c "$src" -o "${src%.c}.o"
  echo "built ${src%.c}.o"
done
