/**
 * Input: listing and checking the input files (InputReader, FileCheck, SkippedFiles, ReadFailures), the formats
 * (InputFormat, RawJson), a read input (Source), the scoring units rows become and their quarantine reason codes
 * (Units), and the CSV lines the jobs write (Csv). May use org.crest and Spark SQL; not the rooms above it.
 */
package org.crest.io;
