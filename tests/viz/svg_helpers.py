"""Render with the real Graphviz ``dot`` and read the SVG back: what a person would see."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import autograd_core as ac

NS = "{http://www.w3.org/2000/svg}"


@dataclass
class Picture:
    svg: str
    nodes: dict[str, list[str]] = field(default_factory=dict)  # dot id -> texts in the node
    edges: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (tail, head, label texts)
    clusters: dict[str, list[str]] = field(default_factory=dict)  # cluster id -> label texts
    fills: dict[str, set[str]] = field(default_factory=dict)  # dot id -> fill colours used

    def text(self, ident: str) -> str:
        return " | ".join(self.nodes[ident])

    def find(self, pattern: str) -> list[str]:
        """Ids of the nodes whose text matches a regex."""
        return [i for i, t in self.nodes.items() if re.search(pattern, " | ".join(t))]

    def one(self, pattern: str) -> str:
        found = self.find(pattern)
        assert len(found) == 1, f"{pattern!r} matches {found}: {[self.text(i) for i in found]}"
        return found[0]

    def edge_pairs(self) -> list[tuple[str, str]]:
        return [(a, b) for a, b, _ in self.edges]

    def graph_nodes(self) -> list[str]:
        """Node ids other than the legend."""
        return [i for i in self.nodes if i != "legend"]


def _texts(g: ET.Element) -> list[str]:
    texts = ("".join(t.itertext()).strip() for t in g.iter(f"{NS}text"))
    return [t for t in texts if t]


def picture(graph) -> Picture:
    """Render ``graph`` (a Digraph or anything with ``.source``) to SVG and parse it."""
    svg = ac.viz.render(graph.source, "svg").decode("utf-8")
    root = ET.fromstring(svg)
    pic = Picture(svg)
    for g in root.iter(f"{NS}g"):
        cls = g.get("class")
        title = g.find(f"{NS}title")
        name = "".join(title.itertext()) if title is not None else ""
        if cls == "node":
            pic.nodes[name] = _texts(g)
            pic.fills[name] = {p.get("fill") for p in g.iter(f"{NS}polygon")}
        elif cls == "edge":
            tail, head = name.split("->")
            pic.edges.append((tail, head, _texts(g)))
        elif cls == "cluster":
            pic.clusters[name] = _texts(g)
    return pic
