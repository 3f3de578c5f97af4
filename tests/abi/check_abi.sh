#!/bin/sh
# Compiles myofeed/plugin.h strictly as C11 and as C++17 and checks the ABI's struct layout (abi_layout.c).
# usage: check_abi.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1 out=$2/abi
mkdir -p "$out"
inc="-I$src/plugins/include"
strict="-Wall -Wextra -pedantic -Werror"
CC=${CC:-cc} CXX=${CXX:-c++}
# shellcheck disable=SC2086
$CC -std=c11 $strict -Wstrict-prototypes -Wmissing-prototypes $inc "$src/tests/abi/abi_layout.c" -o "$out/abi_c"
# shellcheck disable=SC2086
$CXX -std=c++17 $strict -x c++ $inc "$src/tests/abi/abi_layout.c" -o "$out/abi_cxx"
"$out/abi_c"
"$out/abi_cxx"
# the header alone, as the first include of a translation unit in each language
printf '#include <myofeed/plugin.h>\n' > "$out/alone.c"
# shellcheck disable=SC2086
$CC -std=c11 $strict $inc -fsyntax-only "$out/alone.c"
# shellcheck disable=SC2086
$CXX -std=c++17 $strict $inc -x c++ -fsyntax-only "$out/alone.c"
echo "2 passed, 0 failed"
