//! The fast path's RDF Dataset Canonicalization (RDFC-1.0) and canonical N-Quads serialization.

use std::collections::BTreeMap;
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
/// line per quad, sorted. Blank nodes with distinct first-degree hashes (§4.6) are labelled in
/// hash order; the rest go through N-degree hashing (§4.8), within a work budget beyond which
/// the document is declined.
pub(crate) fn canonicalize(quads: Vec<Quad>, blanks: u32) -> Fast<String> {
    canonicalize_with(quads, blanks, sha256_hex)
}

/// RDFC-1.0 with another hash function (§4.1 lets a specification choose one; VC-DI-ECDSA uses
/// SHA-384 with P-384 keys): `hash` gives the lowercase hex digest of its input.
pub(crate) fn canonicalize_with(
    mut quads: Vec<Quad>,
    blanks: u32,
    hash: fn(&[u8]) -> String,
) -> Fast<String> {
    if blanks as usize > crate::canon::MAX_BLANK_NODES {
        return Err(BUDGET_SPENT);
    }
    // A dataset is a set: a quad emitted twice counts once.
    quads.sort_unstable();
    quads.dedup();
    let labels = if blanks == 0 {
        Vec::new()
    } else {
        Labeller::new(&quads, blanks, hash).labels()?
    };
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
    Ok(lines.concat())
}

/// RDFC-1.0 §4.5, Issue Identifier: blank nodes in the order they were issued an identifier.
#[derive(Debug, Clone)]
struct Issuer {
    ids: Vec<Option<u32>>,
    order: Vec<u32>,
}

impl Issuer {
    fn new(blanks: u32) -> Self {
        Issuer {
            ids: vec![None; blanks as usize],
            order: Vec::new(),
        }
    }

    fn get(&self, b: u32) -> Option<u32> {
        self.ids[b as usize]
    }

    fn issue(&mut self, b: u32) -> u32 {
        if let Some(id) = self.ids[b as usize] {
            return id;
        }
        let id = self.order.len() as u32;
        self.ids[b as usize] = Some(id);
        self.order.push(b);
        id
    }
}

/// How many N-degree hashes (§4.8) and permutations one document may cost before the fast path
/// declines it: a guard against datasets crafted to make canonicalisation explode.
const N_DEGREE_BUDGET: u32 = 20_000;

/// The fast path's answer when a document spends [`N_DEGREE_BUDGET`] or has more blank nodes than
/// `MAX_BLANK_NODES`: not handed to the general path, which would spend more (RDFC-1.0 §4.1).
pub(crate) const BUDGET_SPENT: Unsupported =
    Unsupported("blank node canonicalisation budget exceeded");

/// The largest group of related blank nodes whose orderings are tried (8! = 40,320).
const MAX_PERMUTED: usize = 8;

/// The canonicalisation state of §4.4: the quads, which mention each blank node, their
/// first-degree hashes and the canonical issuer.
struct Labeller<'a> {
    quads: &'a [Quad],
    mentions: Vec<Vec<usize>>,
    first_degree: Vec<String>,
    canonical: Issuer,
    budget: u32,
    hash: fn(&[u8]) -> String,
}

/// The hash RDFC-1.0 uses by default (§4.1): SHA-256, lowercase hex.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// SHA-384, lowercase hex.
pub(crate) fn sha384_hex(data: &[u8]) -> String {
    hex::encode(sha2::Sha384::digest(data))
}

impl<'a> Labeller<'a> {
    fn new(quads: &'a [Quad], blanks: u32, hash: fn(&[u8]) -> String) -> Self {
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
        let mut labeller = Labeller {
            quads,
            mentions,
            first_degree: Vec::new(),
            canonical: Issuer::new(blanks),
            budget: N_DEGREE_BUDGET,
            hash,
        };
        labeller.first_degree = (0..blanks).map(|b| labeller.hash_first_degree(b)).collect();
        labeller
    }

    /// §4.6, Hash First Degree Quads.
    fn hash_first_degree(&self, b: u32) -> String {
        let mut lines: Vec<String> = self.mentions[b as usize]
            .iter()
            .map(|&i| {
                let mut line = String::new();
                write_quad(&mut line, &self.quads[i], Labels::Reference(b));
                line
            })
            .collect();
        lines.sort_unstable();
        (self.hash)(lines.concat().as_bytes())
    }

    /// §4.4.3 steps 3–6: canonical labels for every blank node.
    fn labels(mut self) -> Fast<Vec<u32>> {
        let mut by_hash: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for (b, hash) in self.first_degree.iter().enumerate() {
            by_hash.entry(hash.as_str()).or_default().push(b as u32);
        }
        // Step 5: unique first-degree hashes are labelled in hash order.
        let mut shared = Vec::new();
        for (_, nodes) in by_hash {
            match nodes.as_slice() {
                [one] => {
                    self.canonical.issue(*one);
                }
                _ => shared.push(nodes),
            }
        }
        // Step 6: each group of nodes sharing a hash, by N-degree hash.
        for nodes in shared {
            let mut results = Vec::new();
            for &b in &nodes {
                if self.canonical.get(b).is_some() {
                    continue;
                }
                let mut temporary = Issuer::new(self.first_degree.len() as u32);
                temporary.issue(b);
                results.push(self.hash_n_degree(b, temporary)?);
            }
            results.sort_by(|a, b| a.0.cmp(&b.0));
            for (_, issuer) in results {
                for b in issuer.order {
                    self.canonical.issue(b);
                }
            }
        }
        let canonical = &self.canonical;
        Ok((0..self.first_degree.len() as u32)
            .map(|b| canonical.get(b).unwrap_or(u32::MAX))
            .collect())
    }

    /// §4.7, Hash Related Blank Node.
    fn hash_related(&self, related: u32, quad: &Quad, issuer: &Issuer, position: &str) -> String {
        let mut input = String::from(position);
        if position != "g" {
            input.push('<');
            input.push_str(&quad.p);
            input.push('>');
        }
        match (self.canonical.get(related), issuer.get(related)) {
            (Some(c), _) => input.push_str(&format!("_:c14n{c}")),
            (None, Some(id)) => input.push_str(&format!("_:b{id}")),
            (None, None) => input.push_str(&self.first_degree[related as usize]),
        }
        (self.hash)(input.as_bytes())
    }

    /// §4.8, Hash N-Degree Quads.
    fn hash_n_degree(&mut self, b: u32, mut issuer: Issuer) -> Fast<(String, Issuer)> {
        self.spend()?;
        // Steps 1–3: related blank nodes grouped by their related hash.
        let mut related: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for &i in &self.mentions[b as usize] {
            let q = &self.quads[i];
            let components = [
                (Some(&q.s), "s"),
                (
                    match &q.o {
                        Object::Node(n) => Some(n),
                        Object::Literal(..) => None,
                    },
                    "o",
                ),
                (q.g.as_ref(), "g"),
            ];
            for (node, position) in components {
                if let Some(Node::Blank(r)) = node {
                    if *r != b {
                        let hash = self.hash_related(*r, q, &issuer, position);
                        related.entry(hash).or_default().push(*r);
                    }
                }
            }
        }
        // Steps 4–5: the lexicographically least path over every permutation of each group.
        let mut data = String::new();
        for (hash, nodes) in related {
            data.push_str(&hash);
            let mut chosen: Option<(String, Issuer)> = None;
            if nodes.len() > MAX_PERMUTED {
                return Err(Unsupported("too many related blank nodes to permute"));
            }
            for permutation in permutations(&nodes) {
                self.spend()?;
                let mut copy = issuer.clone();
                let mut path = String::new();
                let mut recursion = Vec::new();
                let worse = |path: &str, chosen: &Option<(String, Issuer)>| {
                    chosen
                        .as_ref()
                        .is_some_and(|(c, _)| path.len() >= c.len() && path > c.as_str())
                };
                let mut skipped = false;
                for &r in &permutation {
                    match self.canonical.get(r) {
                        Some(c) => path.push_str(&format!("_:c14n{c}")),
                        None => {
                            if copy.get(r).is_none() {
                                recursion.push(r);
                            }
                            path.push_str(&format!("_:b{}", copy.issue(r)));
                        }
                    }
                    if worse(&path, &chosen) {
                        skipped = true;
                        break;
                    }
                }
                if skipped {
                    continue;
                }
                for r in recursion {
                    let (result_hash, result_issuer) = self.hash_n_degree(r, copy.clone())?;
                    path.push_str(&format!("_:b{}", copy.issue(r)));
                    path.push('<');
                    path.push_str(&result_hash);
                    path.push('>');
                    copy = result_issuer;
                    if worse(&path, &chosen) {
                        skipped = true;
                        break;
                    }
                }
                if skipped {
                    continue;
                }
                if chosen.as_ref().is_none_or(|(c, _)| path < *c) {
                    chosen = Some((path, copy));
                }
            }
            if let Some((path, chosen_issuer)) = chosen {
                data.push_str(&path);
                issuer = chosen_issuer;
            }
        }
        Ok(((self.hash)(data.as_bytes()), issuer))
    }

    fn spend(&mut self) -> Fast<()> {
        self.budget = self.budget.checked_sub(1).ok_or(BUDGET_SPENT)?;
        Ok(())
    }
}

/// Every ordering of `items` (Heap's algorithm), duplicates included as RDFC-1.0 lists them.
fn permutations(items: &[u32]) -> Vec<Vec<u32>> {
    let mut items = items.to_vec();
    let n = items.len();
    let mut out = vec![items.clone()];
    let mut c = vec![0usize; n];
    let mut i = 0;
    while i < n {
        if c[i] < i {
            if i % 2 == 0 {
                items.swap(0, i);
            } else {
                items.swap(c[i], i);
            }
            out.push(items.clone());
            c[i] += 1;
            i = 0;
        } else {
            c[i] = 0;
            i += 1;
        }
    }
    out
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

/// RDFC-1.0 §4.3 writes literals in canonical N-Quads (RDF 1.2 N-Quads §5, canonical form): in a
/// string, `\b \t \n \f \r \" \\` are ECHARs, every other character in U+0000–U+001F and U+007F is a
/// UCHAR with four uppercase hex digits, and everything else is itself.
fn write_literal(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '\u{08}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{0C}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0'..='\u{1F}' | '\u{7F}' => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
