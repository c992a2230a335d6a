package io.boomfs.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.IntWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.Mapper;
import org.apache.hadoop.mapreduce.Reducer;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.hadoop.mapreduce.lib.output.FileOutputFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.StringTokenizer;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A MapReduce WordCount in local mode (LocalJobRunner) whose input is read from and whose output
 * is written to {@code boomfs://}: the input spans several chunks, so it is read as several
 * splits placed by {@code getFileBlockLocations}, and the output committer's renames are
 * BoomFS's. The counts must equal the ones counted here.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WordCountTest {
    /** Emits (word, 1) for every word of a line. */
    public static final class TokenizerMapper extends Mapper<Object, Text, Text, IntWritable> {
        private static final IntWritable ONE = new IntWritable(1);
        private final Text word = new Text();

        @Override
        protected void map(Object key, Text value, Context context) throws IOException, InterruptedException {
            StringTokenizer it = new StringTokenizer(value.toString());
            while (it.hasMoreTokens()) {
                word.set(it.nextToken());
                context.write(word, ONE);
            }
        }
    }

    /** Sums the counts of a word (also the combiner). */
    public static final class IntSumReducer extends Reducer<Text, IntWritable, Text, IntWritable> {
        private final IntWritable result = new IntWritable();

        @Override
        protected void reduce(Text key, Iterable<IntWritable> values, Context context) throws IOException, InterruptedException {
            int sum = 0;
            for (IntWritable v : values) {
                sum += v.get();
            }
            result.set(sum);
            context.write(key, result);
        }
    }

    @Test
    void wordCountReadsAndWritesBoomfs(@TempDir java.nio.file.Path local) throws Exception {
        Configuration conf = SharedCluster.conf();
        conf.set("mapreduce.framework.name", "local");
        conf.set("fs.defaultFS", "file:///");
        conf.set("hadoop.tmp.dir", local.resolve("tmp").toString());
        String base = SharedCluster.uri() + "/wordcount";
        FileSystem fs = FileSystem.get(URI.create(base), conf);
        Map<String, Integer> expected = writeInput(fs, new Path(base + "/in"));

        Job job = Job.getInstance(conf, "wordcount over boomfs");
        job.setMapperClass(TokenizerMapper.class);
        job.setCombinerClass(IntSumReducer.class);
        job.setReducerClass(IntSumReducer.class);
        job.setOutputKeyClass(Text.class);
        job.setOutputValueClass(IntWritable.class);
        job.setNumReduceTasks(2);
        FileInputFormat.addInputPath(job, new Path(base + "/in"));
        FileOutputFormat.setOutputPath(job, new Path(base + "/out"));
        // Two files of about 150 KB in 64 KiB chunks: three splits each (one map task each), on the datanodes' host.
        List<InputSplit> splits = new TextInputFormat().getSplits(job);
        assertEquals(6, splits.size());
        for (InputSplit s : splits) {
            assertEquals(List.of("127.0.0.1"), List.of(s.getLocations()).stream().distinct().toList());
        }
        assertTrue(job.waitForCompletion(false), "the job failed: " + job.getStatus().getFailureInfo());

        assertTrue(fs.exists(new Path(base + "/out/_SUCCESS")), "the committer wrote _SUCCESS");
        Map<String, Integer> counted = new TreeMap<>();
        for (FileStatus part : fs.listStatus(new Path(base + "/out"), p -> p.getName().startsWith("part-r-"))) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(part.getPath()), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    String[] kv = line.split("\t");
                    assertEquals(null, counted.put(kv[0], Integer.parseInt(kv[1])), "a word in two parts: " + kv[0]);
                }
            }
        }
        assertEquals(new TreeMap<>(expected), counted);
        assertTrue(fs.delete(new Path(base), true));
    }

    /** Two files of random words from a small vocabulary, each over several 64 KiB chunks; their counts. */
    private static Map<String, Integer> writeInput(FileSystem fs, Path dir) throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        Random random = new Random(42);
        String[] vocabulary = new String[200];
        for (int i = 0; i < vocabulary.length; i++) {
            vocabulary[i] = "w" + Integer.toString(i * 7919, 36);
        }
        for (int f = 0; f < 2; f++) {
            StringBuilder text = new StringBuilder();
            while (text.length() < 150_000) {
                for (int w = 0; w < 12; w++) {
                    String word = vocabulary[random.nextInt(vocabulary.length)];
                    counts.merge(word, 1, Integer::sum);
                    text.append(word).append(w == 11 ? '\n' : ' ');
                }
            }
            try (FSDataOutputStream out = fs.create(new Path(dir, "part" + f + ".txt"))) {
                out.write(text.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        return counts;
    }
}
