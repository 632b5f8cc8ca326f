/**
 * label --resume: one dt= partition at a time through the label job, each committed with its manifest
 * (PartitionManifest), skipped when unchanged, and the run's summary (ResumeSummary). May use label and the rooms
 * below it.
 */
package org.crest.label.resume;
