package org.crest.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The threshold plot's SVG, parsed: precision and recall are not drawn in any cluster line's colour and dash, and
 * every line has a legend entry drawn in the line's own stroke.
 */
class ThresholdPlotTest {

    /** Random bucket counts per scope: overall and 12 clusters (more than the palette has colours). */
    private static Map<String, List<ThresholdSweep.Point>> sweeps(int clusters) {
        Random rnd = new Random(7);
        Map<String, List<ThresholdSweep.Point>> m = new LinkedHashMap<>();
        long[][] all = new long[2][ThresholdSweep.STEPS + 1];
        Map<String, long[][]> per = new LinkedHashMap<>();
        for (int c = 1; c <= clusters; c++) {
            long[][] k = new long[2][ThresholdSweep.STEPS + 1];
            for (int b = 0; b <= ThresholdSweep.STEPS; b++) {
                k[0][b] = rnd.nextInt(5);
                k[1][b] = rnd.nextInt(5);
                all[0][b] += k[0][b];
                all[1][b] += k[1][b];
            }
            per.put(c == clusters ? "cluster=none" : "cluster=" + c, k);
        }
        m.put(ThresholdSweep.OVERALL, ThresholdSweep.sweep(all));
        per.forEach((k, v) -> m.put(k, ThresholdSweep.sweep(v)));
        return m;
    }

    private static Document svg(Map<String, List<ThresholdSweep.Point>> sweeps) throws Exception {
        ByteArrayOutputStream os = new ByteArrayOutputStream();
        ThresholdPlot.writeSvg(os, sweeps, "test <plot> & \"title\"");
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(os.toByteArray()));
    }

    private static List<Element> byClass(Document d, String tag, String cls) {
        NodeList nodes = d.getElementsByTagNameNS("*", tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (cls.equals(e.getAttribute("class"))) {
                out.add(e);
            }
        }
        return out;
    }

    private static String style(Element e) {
        return e.getAttribute("stroke").toLowerCase() + "|" + e.getAttribute("stroke-dasharray");
    }

    @Test
    void precisionAndRecallShareNoStyleWithAClusterAndEveryLineHasALegendEntry() throws Exception {
        for (int clusters : new int[] {1, 9, 12, 30}) {
            Map<String, List<ThresholdSweep.Point>> sweeps = sweeps(clusters);
            Document d = svg(sweeps);
            List<Element> lines = byClass(d, "polyline", "series");
            assertThat(lines)
                    .as("%d clusters: a line per cluster and 3 overall", clusters)
                    .hasSize(clusters + 3);

            Map<String, Element> byLabel = new LinkedHashMap<>();
            for (Element l : lines) {
                assertThat(byLabel.put(l.getAttribute("data-series"), l))
                        .as("one line per label")
                        .isNull();
                assertThat(l.getAttribute("points").split(" ")).hasSize(ThresholdSweep.STEPS + 1);
            }
            Element precision = byLabel.get("precision (overall)");
            Element recall = byLabel.get("recall (overall)");
            assertThat(precision).isNotNull();
            assertThat(recall).isNotNull();
            assertThat(style(precision)).isNotEqualTo(style(recall));
            for (Element l : lines) {
                if (l.getAttribute("data-series").startsWith("F1 cluster=")) {
                    assertThat(style(l))
                            .as("%s vs precision / recall", l.getAttribute("data-series"))
                            .isNotEqualTo(style(precision))
                            .isNotEqualTo(style(recall));
                    // nor black or grey at all: those are the overall lines' colours
                    assertThat(l.getAttribute("stroke"))
                            .isNotIn(ThresholdPlot.hex(ThresholdPlot.BLACK), ThresholdPlot.hex(ThresholdPlot.GREY));
                }
            }

            List<Element> legend = byClass(d, "g", "legend-entry");
            assertThat(legend).hasSize(lines.size());
            Map<String, Element> legendByLabel = new LinkedHashMap<>();
            for (Element g : legend) {
                legendByLabel.put(g.getAttribute("data-series"), g);
                Element text = (Element) g.getElementsByTagNameNS("*", "text").item(0);
                assertThat(text.getTextContent()).isEqualTo(g.getAttribute("data-series"));
            }
            for (Element l : lines) {
                String label = l.getAttribute("data-series");
                Element g = legendByLabel.get(label);
                assertThat(g).as("legend entry for %s", label).isNotNull();
                Element sample = (Element) g.getElementsByTagNameNS("*", "line").item(0);
                assertThat(style(sample)).as("legend sample of %s", label).isEqualTo(style(l));
                assertThat(sample.getAttribute("stroke-width")).isEqualTo(l.getAttribute("stroke-width"));
            }
        }
    }

    @Test
    void clusterStylesAreDistinctUpToThePaletteTimesTheDashes() {
        List<ThresholdPlot.Series> s = ThresholdPlot.series(sweeps(27));
        assertThat(s.stream()
                        .map(x -> ThresholdPlot.hex(x.rgb()) + ThresholdPlot.dash(x.dash()))
                        .distinct()
                        .count())
                .isEqualTo(s.size());
    }

    @Test
    void pngIsStillWritten() throws Exception {
        ByteArrayOutputStream os = new ByteArrayOutputStream();
        ThresholdPlot.write(os, sweeps(3), "png");
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(new ByteArrayInputStream(os.toByteArray()));
        assertThat(img.getWidth()).isEqualTo(960);
    }
}
