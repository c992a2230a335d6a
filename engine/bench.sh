#!/usr/bin/env bash
# The engine's benchmarks (issue 3, section 6), one command:
#   engine/bench.sh            all of them (about 15 minutes on 2 cores)
#   engine/bench.sh quick      shorter runs (fewer iterations; wider error bars)
#   engine/bench.sh JMH-ARGS   anything else is passed to JMH (e.g. NamespaceBench -p entries=100000)
# It prints the JMH tables (p50/p99 for step costs, single-shot times for bulk derivation next
# to the hand-written HashMap baseline) and then the heap footprint per file.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mvn -q -B -pl engine test-compile dependency:build-classpath \
  -Dmdep.outputFile="$root/engine/target/bench.classpath" -Dmdep.includeScope=test >&2
cp="engine/target/classes:engine/target/test-classes:$(cat engine/target/bench.classpath)"
jmh=(java -cp "$cp" org.openjdk.jmh.Main)
if [[ $# -eq 0 ]]; then
  "${jmh[@]}" 'NamespaceBench|NamespaceDeleteBench|ShapesBench|BulkDeriveBench'
elif [[ "$1" == quick ]]; then
  "${jmh[@]}" 'NamespaceBench|NamespaceDeleteBench|ShapesBench' -wi 2 -w 2 -i 3 -r 2
  "${jmh[@]}" BulkDeriveBench -wi 1 -i 3
else
  "${jmh[@]}" "$@"
  exit 0
fi
# A fixed heap and the serial collector make "used after GC" a fair reading.
java -Xmx8g -XX:+UseSerialGC -cp "$cp" io.boomfs.engine.bench.Footprint 1000000
