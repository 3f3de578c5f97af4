#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan): the decoders, the control dispatcher, the configuration
# loader and the default chain's plugins (fuzz_chain: also checks that block splitting and grouping change no bit), and runs each for a few seconds on its committed
# seed corpus (new findings go to a scratch copy, not into the repository). The random seed is fixed so that
# CI gives the same verdict for the same code; explore with FUZZ_SEED=0 (a new seed each run) and more
# seconds, and commit any crash input under tests/fuzz/corpus/<target>/ with its fix.
# usage: run_fuzzers.sh SOURCE_DIR BUILD_DIR SECONDS_EACH
set -eu
src=$1 build=$2 secs=${3:-10}
CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null || { echo "FAIL: $CC not found (scripts/deps.sh test installs clang)"; exit 1; }
out=$build/fuzz
mkdir -p "$out"
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$src/plugins/include -I$src/plugins/dsp/include -I$src/daemon"
status=0
for dec in openbci_cyton openeeg_p2 bitalino ascii; do
  "$CC" $flags -DDECODER_SOURCE="\"$src/plugins/$dec.c\"" "$src/tests/fuzz/fuzz_decoder.c" "$src/plugins/dsp/frame_check.c" -o "$out/fuzz_$dec" -lm
done
d=$src/daemon
core="$d/osc/control.c $d/osc/osc_out.c $d/osc/osc_sys.c $d/osc/osc_addr.c $d/osc/subscribers.c $d/config/config.c $d/base/diag.c \
      $d/config/config_keys.c $d/base/log.c $d/base/clock.c $build/daemon/embedded_config.c $build/daemon/embedded_protocols.c"
# shellcheck disable=SC2086
"$CC" $flags -D_DEFAULT_SOURCE -DMYOFEED_VERSION=\"fuzz\" $(pkg-config --cflags liblo libevent libconfig libserialport) \
  "$src/tests/fuzz/fuzz_control.c" $core -o "$out/fuzz_control" \
  $(pkg-config --libs liblo libevent libconfig libserialport) -lm
# the configuration loader
# shellcheck disable=SC2086
"$CC" $flags -D_DEFAULT_SOURCE $(pkg-config --cflags libconfig) "$src/tests/fuzz/fuzz_config.c" \
  "$d/config/config.c" "$d/config/config_keys.c" "$d/base/diag.c" "$d/base/log.c" "$build/daemon/embedded_config.c" "$build/daemon/embedded_protocols.c" \
  -o "$out/fuzz_config" $(pkg-config --libs libconfig) -lm
# the default chain's plugins, each from its own source with its entry renamed, and their DSP helpers
dsp="-ffp-contract=fast -fno-math-errno -fno-trapping-math"
objs=""
for p in butterworth notch rms linear_envelope cusum; do
  # shellcheck disable=SC2086
  "$CC" $flags $dsp -fsanitize=fuzzer-no-link -Dmf_plugin_entry=entry_$p -c "$src/plugins/$p.c" -o "$out/chain_$p.o"
  objs="$objs $out/chain_$p.o"
done
# shellcheck disable=SC2086
"$CC" $flags $dsp -fsanitize=fuzzer-no-link -c "$src/plugins/dsp/sos.c" -o "$out/chain_sos.o"
# shellcheck disable=SC2086
"$CC" $flags "$src/tests/fuzz/fuzz_chain.c" $objs "$out/chain_sos.o" -o "$out/fuzz_chain" -lm
for t in openbci_cyton openeeg_p2 bitalino ascii control chain config; do
  work="$out/corpus_$t"
  rm -rf "$work"
  mkdir -p "$work"
  cp "$src/tests/fuzz/corpus/$t/"* "$work/"
  max_len=4096
  [ "$t" = config ] && max_len=8192  # the shipped configurations are the seeds
  if LSAN_OPTIONS="suppressions=$src/tests/fuzz/lsan.supp" "$out/fuzz_$t" -seed="${FUZZ_SEED:-1}" -max_total_time="$secs" -max_len=$max_len -print_final_stats=1 "$work" \
       >"$out/fuzz_$t.log" 2>&1; then
    echo "fuzz_$t: ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/fuzz_$t.log" | cut -d' ' -f2) runs in ${secs} s)"
  else
    echo "FAIL fuzz_$t:"
    tail -40 "$out/fuzz_$t.log"
    status=1
  fi
done
exit $status
