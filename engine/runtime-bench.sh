#!/usr/bin/env bash
# The node runtime's benchmarks (ping-pong RTT, one-way throughput, durable steps/s, msync vs
# fsync): builds the engine's test classes, then runs io.boomfs.engine.runtime.RuntimeBench.
# Usage: engine/runtime-bench.sh [SECONDS_PER_PHASE]   (default 5; about 4x that in all)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd -P)"
cd "$root"
mvn -q -o -pl engine test-compile dependency:build-classpath -Dmdep.outputFile="$root/engine/target/runtime-bench.cp" >&2
jvm_flags="$(sed -n 's:.*<boom.jvm.flags>\(.*\)</boom.jvm.flags>.*:\1:p' "$root/pom.xml")"
cd engine
# shellcheck disable=SC2086  # the flags are separate words on purpose
exec java $jvm_flags ${BENCH_JAVA_OPTS:-} -Xmx1g -XX:+UseSerialGC -cp "target/test-classes:target/classes:$(cat target/runtime-bench.cp)" \
  io.boomfs.engine.runtime.RuntimeBench "$@"
