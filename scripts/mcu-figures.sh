#!/usr/bin/env bash
# Every microcontroller figure of docs/results.md ("Microcontroller (qemu)", "C export", "C kernels on Cortex-M4",
# "C runtime footprint on Cortex-M4") from one command: builds the two test projects, runs the tests that measure them
# (qemu mps2-an386 with -icount shift=6, host gcc, arm-none-eabi-gcc) with their figures logged, compiles every kernel
# of the C runtime alone for its code size, and prints the figures section by section. A failing test fails the script.
#
#   scripts/mcu-figures.sh [LOG_DIR]        (default LOG_DIR: a new directory under /tmp; about 10 minutes on 2 cores)
#
# Needs what the tests need: gcc, clang, arm-none-eabi-gcc with newlib, qemu-system-arm, qemu-arm-static.
set -euo pipefail
cd "$(dirname "$0")/.."
log_dir="${1:-$(mktemp -d /tmp/mcu-figures.XXXXXX)}"
mkdir -p "$log_dir"

dotnet build tests/EdgePrune.Compression.Tests -c Release 2>&1 | tail -2
dotnet build tests/EdgePrune.Export.Tests -c Release 2>&1 | tail -2

# run NAME PROJECT FILTER: the tests' console log (detailed, so their output lines are in it) goes to LOG_DIR/NAME.log.
run() {
    local name=$1 project=$2 filter=$3
    echo "running $project --filter \"$filter\" (log: $log_dir/$name.log)" >&2
    if ! dotnet test "tests/$project" -c Release --no-build --filter "$filter" --logger "console;verbosity=detailed" >"$log_dir/$name.log" 2>&1; then
        grep -E "^\s+Failed |Error Message" -A3 "$log_dir/$name.log" >&2 || true
        echo "mcu-figures: tests failed, see $log_dir/$name.log" >&2
        exit 1
    fi
}

# figures NAME: each line a test wrote, prefixed by the test's method name.
figures() {
    awk '
        /^  (Passed|Failed|Skipped) / { split($2, parts, "."); test = parts[length(parts)]; sub(/\(.*/, "", test); output = 0; next }
        /^  Standard Output Messages:/ { output = 1; next }
        /^ [^ ]/ && output { sub(/^ /, ""); print test ": " $0; next }
        /^[^ ]/ { output = 0 }
    ' "$log_dir/$1.log"
}

run qemu EdgePrune.Compression.Tests "FullyQualifiedName~Firmware"
run kernels EdgePrune.Export.Tests "FullyQualifiedName~QemuLeNet"
run cexport EdgePrune.Export.Tests "FullyQualifiedName~HostGccAgreementTests|FullyQualifiedName~DspPathTests"

echo
echo "## Microcontroller (qemu): the instruction counter, the classify and tree examples, the harness's own code"
figures qemu
echo
echo "## C export: flash, arena and agreement of the host-gcc build per LeNet variant (DspPathTests: pass = bit-identical)"
figures cexport
echo
echo "## C kernels on Cortex-M4 and C runtime footprint (int8 LeNet-300-100, 100 held-out digits)"
figures kernels
echo
awk '
    /dense int8: [0-9]+ instructions/ { dense = $3 }
    /^ 90 % sparse int8: [0-9]+/ { sparse = $5 }
    /smallest encodings: [0-9]+/ { for (i = 1; i <= NF; i++) if ($i == "encodings:") smallest = $(i + 1) }
    /fastest encodings: [0-9]+/ { for (i = 1; i <= NF; i++) if ($i == "encodings:") fastest = $(i + 1) }
    END {
        print "| int8 LeNet-300-100 | instructions per inference | per dense MAC (266,200) | x dense |"
        print "| --- | ---: | ---: | ---: |"
        printf "| dense | %d | %.2f | 1 |\n", dense, dense / 266200
        printf "| 90 %% sparse (bitmask) | %d | %.2f | %.3f |\n", sparse, sparse / 266200, sparse / dense
        printf "| 90 %% in 1x8 blocks, smallest encodings | %d | %.2f | %.3f |\n", smallest, smallest / 266200, smallest / dense
        printf "| 90 %% in 1x8 blocks, --optimize speed | %d | %.2f | %.3f |\n", fastest, fastest / 266200, fastest / dense
    }
' "$log_dir/kernels.log"

echo
echo "## Every kernel of the C runtime compiled alone (profile flags, -Os): code bytes per object"
objects="$log_dir/kernel-objects"
mkdir -p "$objects"
for f in firmware-export/runtime/src/*.c; do
    arm-none-eabi-gcc -std=c99 -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -ffunction-sections \
        -fdata-sections -Ifirmware-export/runtime/include -c "$f" -o "$objects/$(basename "$f" .c).o"
done
arm-none-eabi-size -t "$objects"/*.o | sed "s|$objects/||"
echo
echo "logs: $log_dir"
