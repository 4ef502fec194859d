//! The fast path's RDF Dataset Canonicalization (RDFC-1.0) for datasets whose blank nodes all
//! have distinct first-degree hashes, and canonical N-Quads serialization.

use std::fmt::Write as _;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::context::{Fast, Unsupported};

const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";

/// A subject, object or graph name that is not a literal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Node {
    Iri(Arc<str>),
    Blank(u32),
}

/// An object: a node, or a literal with its datatype (`None` is `xsd:string`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Object {
    Node(Node),
    Literal(String, Option<Arc<str>>),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Quad {
    pub(crate) s: Node,
    pub(crate) p: Arc<str>,
    pub(crate) o: Object,
    pub(crate) g: Option<Node>,
}

/// How blank nodes are written: by canonical label, or as RDFC-1.0 §4.6.3 writes them for a
/// first-degree hash (`_:a` for the node hashed, `_:z` for any other).
#[derive(Clone, Copy)]
enum Labels<'a> {
    Canonical(&'a [u32]),
    Reference(u32),
}

/// RDFC-1.0 §4.4 for a dataset with `blanks` blank nodes numbered from 0: canonical N-Quads, one
/// line per quad, sorted. Declines (the general path then runs the full algorithm) when two
/// blank nodes share a first-degree hash and would need the N-degree hashing of §4.8.
pub(crate) fn canonicalize(mut quads: Vec<Quad>, blanks: u32) -> Fast<String> {
    // A dataset is a set: a quad emitted twice counts once.
    quads.sort_unstable();
    quads.dedup();
    let mut out = String::with_capacity(quads.len() * 120);
    let mut labels = vec![0u32; blanks as usize];
    if blanks > 0 {
        // §4.4.3 step 2: the quads that mention each blank node.
        let mut mentions: Vec<Vec<usize>> = vec![Vec::new(); blanks as usize];
        for (i, q) in quads.iter().enumerate() {
            for b in blank_nodes(q) {
                let list = &mut mentions[b as usize];
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        // §4.6 (Hash First Degree Quads) for every blank node.
        let mut hashes: Vec<([u8; 32], u32)> = Vec::with_capacity(blanks as usize);
        let mut lines: Vec<String> = Vec::new();
        for (b, list) in mentions.iter().enumerate() {
            let b = b as u32;
            lines.clear();
            for &i in list {
                let mut line = String::new();
                write_quad(&mut line, &quads[i], Labels::Reference(b));
                lines.push(line);
            }
            lines.sort_unstable();
            let mut hasher = Sha256::new();
            for line in &lines {
                hasher.update(line.as_bytes());
            }
            hashes.push((hasher.finalize().into(), b));
        }
        // §4.4.3 step 5: canonical labels in order of the hashes (hex strings sort as bytes do).
        hashes.sort_unstable();
        if hashes.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(Unsupported("blank nodes with equal first-degree hashes"));
        }
        for (label, (_, b)) in hashes.iter().enumerate() {
            labels[*b as usize] = label as u32;
        }
    }
    let mut lines: Vec<String> = quads
        .iter()
        .map(|q| {
            let mut line = String::with_capacity(128);
            write_quad(&mut line, q, Labels::Canonical(&labels));
            line
        })
        .collect();
    lines.sort_unstable();
    lines.dedup();
    for line in lines {
        out.push_str(&line);
    }
    Ok(out)
}

fn blank_nodes(q: &Quad) -> impl Iterator<Item = u32> + '_ {
    let o = match &q.o {
        Object::Node(Node::Blank(b)) => Some(*b),
        _ => None,
    };
    let blank = |n: &Node| match n {
        Node::Blank(b) => Some(*b),
        Node::Iri(_) => None,
    };
    [blank(&q.s), o, q.g.as_ref().and_then(blank)]
        .into_iter()
        .flatten()
}

/// One canonical N-Quads line (RDFC-1.0 §4.3 / N-Quads): subject, predicate, object, graph.
fn write_quad(out: &mut String, q: &Quad, labels: Labels<'_>) {
    write_node(out, &q.s, labels);
    out.push_str(" <");
    out.push_str(&q.p);
    out.push_str("> ");
    match &q.o {
        Object::Node(n) => write_node(out, n, labels),
        Object::Literal(value, datatype) => {
            write_literal(out, value);
            if let Some(dt) = datatype.as_deref().filter(|d| *d != XSD_STRING) {
                out.push_str("^^<");
                out.push_str(dt);
                out.push('>');
            }
        }
    }
    if let Some(g) = &q.g {
        out.push(' ');
        write_node(out, g, labels);
    }
    out.push_str(" .\n");
}

fn write_node(out: &mut String, node: &Node, labels: Labels<'_>) {
    match (node, labels) {
        (Node::Iri(iri), _) => {
            out.push('<');
            out.push_str(iri);
            out.push('>');
        }
        (Node::Blank(b), Labels::Canonical(labels)) => {
            let _ = write!(out, "_:c14n{}", labels[*b as usize]);
        }
        (Node::Blank(b), Labels::Reference(r)) => {
            out.push_str(if *b == r { "_:a" } else { "_:z" });
        }
    }
}

/// N-Quads string escaping as the general path writes it: quote, backslash, LF and CR.
fn write_literal(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
}
