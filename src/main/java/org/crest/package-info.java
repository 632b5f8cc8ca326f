/**
 * The few types every room shares: the exceptions the command line maps to exit codes (UsageException,
 * ModelException, ConservationException), the output column and file names (Columns), the one normaliser of language
 * codes (LanguageCodes) and the project version. Imports nothing of crest and nothing of Spark.
 */
package org.crest;
