package io.boomfs.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.contract.AbstractContractVectoredReadTest;
import org.apache.hadoop.fs.contract.AbstractFSContract;

/**
 * Hadoop's {@code AbstractContractVectoredReadTest} against the shared BoomFS cluster, once per
 * buffer type it names (heap and direct): vectored reads are Hadoop's default, positioned reads
 * one range at a time.
 */
class BoomContractVectoredReadTest extends AbstractContractVectoredReadTest {
    BoomContractVectoredReadTest(String bufferType) {
        super(bufferType);
    }

    @Override
    protected AbstractFSContract createContract(Configuration conf) {
        return new BoomContract(conf, getClass());
    }
}
