package org.crest.report;

/** ReportJobTest's check of a self-contained page, for tests in other packages. */
public final class ReportJobTestAccess {
    private ReportJobTestAccess() {}

    public static void assertSelfContained(String html) {
        ReportJobTest.assertSelfContained(html);
    }
}
