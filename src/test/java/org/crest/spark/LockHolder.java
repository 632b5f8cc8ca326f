package org.crest.spark;

import java.util.List;
import org.apache.hadoop.conf.Configuration;

/** A second process for OutputGuardTest: takes the lock of args[0], says "locked", holds it until killed. */
public final class LockHolder {
    private LockHolder() {}

    public static void main(String[] args) throws Exception {
        OutputGuard g = OutputGuard.open(new Configuration(), "lock-holder", args[0], true, List.of(), false);
        System.out.println("locked " + g.runId());
        System.out.flush();
        Thread.sleep(600_000);
    }
}
