//! RDF Dataset Canonicalization (RDFC-1.0) of JSON-LD documents, behind one interface.
//!
//! The general path expands with ssi's JSON-LD processor (strict: undefined terms are errors),
//! turns the expanded document into RDF with the json-ld crate, and canonicalises the quads with
//! `rdf-canon` (RDFC-1.0 over oxrdf, whose N-Quads are the canonical form RDFC-1.0 §4.3 requires).
//! The fast path implements the same trait and must produce byte-identical N-Quads.

use serde_json::{Map, Value};
use ssi_json_ld::RdfQuads;
use ssi_json_ld::{CompactJsonLd, Expandable, JsonLdError};

use crate::contexts::Contexts;

/// Why a document could not be canonicalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonError {
    /// A context URL that is not compiled in (never fetched).
    #[error("context {0} is not known to this verifier")]
    UnknownContext(String),
    /// A property or type that no context defines.
    #[error("term {0} is not defined by any context")]
    UndefinedTerm(String),
    /// A `type` value that no context defines (the processor does not say which).
    #[error("a type value is not defined by any context")]
    UndefinedType,
    /// Any other JSON-LD expansion or RDF conversion failure.
    #[error("json-ld processing failed: {0}")]
    Invalid(String),
    /// Labelling the document's blank nodes (RDFC-1.0 §4.4) would cost more work than one
    /// document may: a guard against crafted datasets ("poison graphs", RDFC-1.0 §4.1). Which
    /// budget was spent.
    #[error("canonicalising this document needs more work than allowed ({0})")]
    BudgetExceeded(&'static str),
    /// The caller raised the verification's [`Interrupt`] (its deadline passed, or the client
    /// went away) before this canonicalisation began.
    #[error("the verification was stopped before it finished (it ran past its deadline)")]
    Interrupted,
}

impl CanonError {
    /// The stable code for this failure.
    pub fn code(&self) -> &'static str {
        match self {
            CanonError::UnknownContext(_) => "unknown_context",
            CanonError::UndefinedTerm(_) | CanonError::UndefinedType => "undefined_term",
            CanonError::Invalid(_) => "json_ld_invalid",
            CanonError::BudgetExceeded(_) => "canonicalization_budget_exceeded",
            CanonError::Interrupted => "verification_interrupted",
        }
    }
}

/// Turns a JSON-LD document into canonical N-Quads (one string, lines sorted, each ending `\n`).
pub trait Canonicalizer: Send + Sync {
    /// The document as canonical N-Quads.
    fn canonicalize(&self, document: &Value) -> Result<String, CanonError>;

    /// VC-DATA-INTEGRITY §4.4 step 3: the canonical form of the unsecured document, `secured`
    /// without its `proof` entry. The default copies the document without it.
    fn canonicalize_unsecured(&self, secured: &Map<String, Value>) -> Result<String, CanonError> {
        let mut unsecured = secured.clone();
        unsecured.remove("proof");
        self.canonicalize(&Value::Object(unsecured))
    }

    /// RDFC-1.0 with SHA-384 as its hash function (RDFC-1.0 §4.1 lets a specification choose
    /// another): VC-DI-ECDSA §3.3.3 canonicalises with it for P-384 keys.
    fn canonicalize_sha384(&self, document: &Value) -> Result<String, CanonError>;
}

/// A flag the caller raises to stop a verification at its next checkpoint: before each
/// canonicalisation, the one step whose cost grows with the document (each is held to the work
/// budget, so the work stops at most one budgeted canonicalisation after the flag is raised).
/// A service raises it when a request's deadline passes or its client goes away.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Interrupt {
    /// A flag not yet raised.
    pub fn new() -> Self {
        Interrupt::default()
    }

    /// Stops every verification that holds this flag at its next checkpoint.
    pub fn raise(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the flag has been raised.
    pub fn is_raised(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn check(&self) -> Result<(), CanonError> {
        if self.is_raised() {
            Err(CanonError::Interrupted)
        } else {
            Ok(())
        }
    }
}

/// A canonicaliser that refuses to start once its [`Interrupt`] is raised.
pub(crate) struct Interruptible {
    pub(crate) inner: std::sync::Arc<dyn Canonicalizer>,
    pub(crate) interrupt: Interrupt,
}

impl Canonicalizer for Interruptible {
    fn canonicalize(&self, document: &Value) -> Result<String, CanonError> {
        self.interrupt.check()?;
        self.inner.canonicalize(document)
    }

    fn canonicalize_unsecured(&self, secured: &Map<String, Value>) -> Result<String, CanonError> {
        self.interrupt.check()?;
        self.inner.canonicalize_unsecured(secured)
    }

    fn canonicalize_sha384(&self, document: &Value) -> Result<String, CanonError> {
        self.interrupt.check()?;
        self.inner.canonicalize_sha384(document)
    }
}

/// The general path: full JSON-LD 1.1 expansion and RDFC-1.0 via ssi.
#[derive(Debug, Clone, Default)]
pub struct GeneralCanonicalizer {
    contexts: Contexts,
}

impl GeneralCanonicalizer {
    /// The general path over these contexts.
    pub fn new(contexts: Contexts) -> Self {
        GeneralCanonicalizer { contexts }
    }
}

impl Canonicalizer for GeneralCanonicalizer {
    fn canonicalize(&self, document: &Value) -> Result<String, CanonError> {
        self.canonicalize_guarded::<sha2::Sha256>(document)
    }

    fn canonicalize_sha384(&self, document: &Value) -> Result<String, CanonError> {
        self.canonicalize_guarded::<sha2::Sha384>(document)
    }
}

impl GeneralCanonicalizer {
    fn canonicalize_guarded<D: sha2::Digest>(
        &self,
        document: &Value,
    ) -> Result<String, CanonError> {
        // The JSON-LD stack panics on some inputs (found by fuzzing: pct-str unwraps the UTF-8
        // decoding of a percent-escape such as `%9E` in an IRI). A panic there is a refusal of
        // the document, not the end of the process or of a server's worker.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.canonicalize_unguarded::<D>(document)
        }))
        .unwrap_or_else(|_| {
            Err(CanonError::Invalid(
                "the JSON-LD processor failed on this document".to_owned(),
            ))
        })
    }

    fn canonicalize_unguarded<D: sha2::Digest>(
        &self,
        document: &Value,
    ) -> Result<String, CanonError> {
        // DESIGN invariant 2: refuse unknown context URLs before expansion, so the error names
        // the URL and nothing ever tries to load it.
        check_context_urls(document, &self.contexts)?;
        // RFC 3987 §3.2: an IRI's percent-escapes stand for UTF-8. The JSON-LD stack decodes
        // them when it compares IRIs and panics on bytes that are not UTF-8 (pct-str, found by
        // fuzzing); such a document is refused before it gets there.
        check_percent_escapes(document)?;
        // Expansion and node-map generation slow down with the square of anonymous nodes
        // (16,000 took seconds), so they are counted first, from the JSON: every blank node but
        // a list's comes from an object without an IRI id.
        if anonymous_objects(document) > MAX_BLANK_NODES {
            return Err(CanonError::BudgetExceeded(BLANK_NODES_SPENT));
        }
        let normalized = normalize_numbers(document);
        let doc = CompactJsonLd(
            ssi_json_ld::syntax::to_value(&normalized)
                .map_err(|e| CanonError::Invalid(e.to_string()))?,
        );
        // The loader only reads the in-memory context set, so this future never waits on I/O.
        let expanded =
            pollster::block_on(doc.expand(&self.contexts)).map_err(map_expansion_error)?;
        // JSON-LD 1.1 §8 (Deserialize JSON-LD to RDF): node map generation, then RDF quads by
        // json-ld's own conversion, which keeps a coerced datatype on native booleans and numbers
        // (§8.6, object to RDF); ssi's linked-data interpretation drops it, which the reference
        // implementations do not.
        let mut generator = ssi_rdf::generator::Blank::new();
        let mut node_map = expanded
            .generate_node_map_with(&mut (), &mut generator)
            .map_err(|e| CanonError::Invalid(format!("conflicting indexes: {e:?}")))?;
        merge_node_types(&expanded, &mut node_map);
        let dataset: oxrdf::Dataset = node_map
            .rdf_quads_full(&mut (), &mut generator, None, false)
            .cloned()
            .filter_map(oxrdf_quad)
            .collect();
        // RDFC-1.0 §4.4 with rdf-canon; its serialisation is canonical N-Quads (sorted lines,
        // each dataset quad once, literals escaped as RDF 1.2 N-Quads §5 says).
        // Labelling costs grow with the square of the blank nodes that look alike (rdf-canon
        // compares each with the others), before any N-degree call is counted: 16,000 identical
        // evidence objects took seconds and a gigabyte. Documents Cairn meets have dozens.
        let blank_nodes: std::collections::HashSet<oxrdf::BlankNodeRef<'_>> = dataset
            .iter()
            .flat_map(|q| {
                let subject = match q.subject {
                    oxrdf::SubjectRef::BlankNode(b) => Some(b),
                    _ => None,
                };
                let object = match q.object {
                    oxrdf::TermRef::BlankNode(b) => Some(b),
                    _ => None,
                };
                subject.into_iter().chain(object)
            })
            .collect();
        if blank_nodes.len() > MAX_BLANK_NODES {
            return Err(CanonError::BudgetExceeded(BLANK_NODES_SPENT));
        }
        let options = rdf_canon::CanonicalizationOptions {
            hndq_call_limit: Some(N_DEGREE_CALL_LIMIT),
        };
        rdf_canon::canonicalize_with::<D>(&dataset, &options).map_err(|e| match e {
            rdf_canon::CanonicalizationError::HndqCallLimitExceeded(_) => {
                CanonError::BudgetExceeded(N_DEGREE_SPENT)
            }
            other => CanonError::Invalid(other.to_string()),
        })
    }
}

/// How many Hash N-Degree Quads calls (RDFC-1.0 §4.8) one document may cost on the general path.
/// Documents Cairn meets need a handful; the limit guards against datasets crafted to explode.
const N_DEGREE_CALL_LIMIT: usize = 20_000;

/// The JSON objects in `value` that do not name an IRI by `id` or `@id` (value objects among
/// them): an upper bound of the blank nodes its nodes become.
fn anonymous_objects(value: &Value) -> usize {
    match value {
        Value::Object(map) => {
            let named = ["id", "@id"].iter().any(|k| {
                map.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|id| !id.starts_with("_:"))
            });
            usize::from(!named) + map.values().map(anonymous_objects).sum::<usize>()
        }
        Value::Array(items) => items.iter().map(anonymous_objects).sum(),
        _ => 0,
    }
}

/// The most blank nodes one document may have on either path.
pub(crate) const MAX_BLANK_NODES: usize = 4_096;

/// The budgets a document can spend, as [`CanonError::BudgetExceeded`] names them.
pub(crate) const N_DEGREE_SPENT: &str = "more than 20,000 N-degree hashes";
/// See [`N_DEGREE_SPENT`].
pub(crate) const BLANK_NODES_SPENT: &str = "more than 4,096 blank nodes";

/// JSON-LD 1.1 §7.2 (node map generation) step 6.2: a node met more than once has the union of
/// its types. json-ld 0.21 keeps only the types of the last occurrence, so the union is put back
/// for every node named by an IRI (blank node ids are relabelled by the node map, and an anonymous
/// node is never met twice).
fn merge_node_types(
    expanded: &ssi_json_ld::ExpandedDocument,
    node_map: &mut ssi_json_ld::flattening::NodeMap<iref::IriBuf, rdf_types::BlankIdBuf>,
) {
    use ssi_json_ld::object::FragmentRef;
    use ssi_json_ld::{Id, ValidId};
    let mut types: std::collections::HashMap<Id, Vec<Id>> = std::collections::HashMap::new();
    for fragment in expanded.traverse() {
        let node = match fragment {
            FragmentRef::Node(n) => Some(n),
            FragmentRef::IndexedNode(n) => Some(n.inner()),
            FragmentRef::Object(o) => o.as_node(),
            FragmentRef::IndexedObject(o) => o.inner().as_node(),
            _ => None,
        };
        let Some(node) = node else { continue };
        let (Some(id @ Id::Valid(ValidId::Iri(_))), Some(node_types)) = (&node.id, &node.types)
        else {
            continue;
        };
        let all = types.entry(id.clone()).or_default();
        for t in node_types {
            if !all.contains(t) {
                all.push(t.clone());
            }
        }
    }
    let graph_ids: Vec<Option<Id>> = std::iter::once(None)
        .chain(node_map.iter_named().map(|(id, _)| Some(id.clone())))
        .collect();
    for graph_id in graph_ids {
        let Some(graph) = node_map.graph_mut(graph_id.as_ref()) else {
            continue;
        };
        for (id, all) in &types {
            if let Some(node) = graph.get_mut(id) {
                let node = node.inner_mut();
                if node.types.as_ref().is_some_and(|t| t.len() < all.len()) {
                    node.types = Some(all.clone());
                }
            }
        }
    }
}

/// A quad of the json-ld crate as oxrdf holds it. Quads with a blank-node predicate are not RDF
/// and are never produced without the generalized-RDF option; they are dropped.
fn oxrdf_quad(
    q: rdf_types::Quad<rdf_types::Id, rdf_types::Id, rdf_types::Object, rdf_types::Id>,
) -> Option<oxrdf::Quad> {
    let rdf_types::Quad(s, p, o, g) = q;
    let rdf_types::Id::Iri(p) = p else {
        return None;
    };
    let object: oxrdf::Term = match o {
        rdf_types::Term::Id(id) => node(id).into(),
        rdf_types::Term::Literal(l) => match l.type_ {
            rdf_types::LiteralType::Any(dt) => {
                oxrdf::Literal::new_typed_literal(l.value, named(&dt))
            }
            rdf_types::LiteralType::LangString(tag) => {
                oxrdf::Literal::new_language_tagged_literal_unchecked(
                    l.value,
                    tag.as_str().to_owned(),
                )
            }
        }
        .into(),
    };
    let graph = g.map_or(oxrdf::GraphName::DefaultGraph, |g| node(g).into());
    Some(oxrdf::Quad::new(node(s), named(&p), object, graph))
}

fn named(iri: &iref::Iri) -> oxrdf::NamedNode {
    oxrdf::NamedNode::new_unchecked(iri.as_str().to_owned())
}

/// An IRI or a blank node of the json-ld crate (`_:b0`) as oxrdf holds it (a blank node's id
/// without `_:`).
fn node(id: rdf_types::Id) -> oxrdf::NamedOrBlankNode {
    match id {
        rdf_types::Id::Iri(i) => named(&i).into(),
        rdf_types::Id::Blank(b) => oxrdf::BlankNode::new_unchecked(b.suffix()).into(),
    }
}

/// JSON-LD 1.1 §8.6 (object to RDF) treats a number by its value: one with no fractional part
/// is written as an integer. JSON text like `15.0` reaches the processor as a float, so it is
/// turned into the integer it denotes first.
fn normalize_numbers(value: &Value) -> Value {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => match integral_value(n) {
            Some(i) => Value::from(i),
            None => value.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(normalize_numbers).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), normalize_numbers(v)))
                .collect(),
        ),
        _ => value.clone(),
    }
}

/// The integer a JSON number denotes when JSON-LD writes it as one: an `i64`, or a float with no
/// fractional part below 2^53 (`15.0` is `15`). The fast path applies the same rule.
pub(crate) fn integral_value(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        if n.is_u64() {
            return None;
        }
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

fn map_expansion_error(e: JsonLdError) -> CanonError {
    use ssi_json_ld::expansion::Error as E;
    match e {
        JsonLdError::Expansion(E::KeyExpansionFailed(key)) => CanonError::UndefinedTerm(key),
        JsonLdError::Expansion(E::InvalidTypeValue) => CanonError::UndefinedType,
        JsonLdError::Expansion(E::ContextProcessing(inner)) => {
            let text = inner.to_string();
            CanonError::Invalid(text)
        }
        other => CanonError::Invalid(other.to_string()),
    }
}

/// Refuses a document any string of which can become an IRI and percent-escapes bytes that are
/// not UTF-8: member names and `type` values (terms, expanded against the vocabulary), `id`
/// values, and any string with a scheme. Other text (a narrative's "40%ca") is left alone.
fn check_percent_escapes(value: &Value) -> Result<(), CanonError> {
    check_escapes_in(value, false)
}

fn check_escapes_in(value: &Value, iri_position: bool) -> Result<(), CanonError> {
    let check = |text: &str, iri: bool| {
        if text.contains('%') && (iri || text.contains(':')) && !escapes_are_utf8(text) {
            Err(CanonError::Invalid(
                "an IRI percent-escapes bytes that are not UTF-8 (RFC 3987 §3.2)".to_owned(),
            ))
        } else {
            Ok(())
        }
    };
    match value {
        Value::Object(map) => map.iter().try_for_each(|(key, v)| {
            check(key, true)?;
            let iri = matches!(key.as_str(), "id" | "@id" | "type" | "@type");
            check_escapes_in(v, iri)
        }),
        Value::Array(items) => items
            .iter()
            .try_for_each(|v| check_escapes_in(v, iri_position)),
        Value::String(text) => check(text, iri_position),
        _ => Ok(()),
    }
}

/// Whether the bytes `text`'s `%XX` escapes stand for, with the text around them, are UTF-8.
fn escapes_are_utf8(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escape {
            Some(byte) => {
                decoded.push(byte);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&decoded).is_ok()
}

/// Walks every `@context` (and `@import`) in the document and refuses URLs not in `contexts`.
fn check_context_urls(value: &Value, contexts: &Contexts) -> Result<(), CanonError> {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "@context" || key == "@import" {
                    check_context_value(v, contexts)?;
                }
                check_context_urls(v, contexts)?;
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .try_for_each(|v| check_context_urls(v, contexts)),
        _ => Ok(()),
    }
}

fn check_context_value(value: &Value, contexts: &Contexts) -> Result<(), CanonError> {
    match value {
        Value::String(url) if !contexts.contains(url) => {
            Err(CanonError::UnknownContext(url.clone()))
        }
        Value::Array(items) => items
            .iter()
            .try_for_each(|v| check_context_value(v, contexts)),
        _ => Ok(()),
    }
}
