package io.boomfs.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.contract.AbstractFSContract;

import java.io.IOException;
import java.net.URI;

/**
 * Hadoop's contract for {@code boomfs://}: the options of {@code contract/boomfs.xml} and the
 * shared test cluster; each contract test class works under {@code /contract/CLASS}.
 */
final class BoomContract extends AbstractFSContract {
    static final String OPTIONS = "contract/boomfs.xml";
    private final String testDir;
    private FileSystem fs;

    BoomContract(Configuration conf, Class<?> testClass) {
        super(conf);
        addConfResource(OPTIONS);
        conf.set(AdapterConfig.BLOCK_SIZE, SharedCluster.TEST_CHUNK_SIZE);
        this.testDir = "/contract/" + testClass.getSimpleName();
    }

    @Override
    public void init() throws IOException {
        super.init();
        fs = FileSystem.get(URI.create(SharedCluster.uri()), getConf());
    }

    @Override
    public FileSystem getTestFileSystem() {
        return fs;
    }

    @Override
    public String getScheme() {
        return BoomFileSystem.SCHEME;
    }

    @Override
    public Path getTestPath() {
        return new Path(testDir);
    }
}
