//! The fast path's JSON-LD 1.1 expansion (§5.1) fused with deserialization to RDF (§8): a
//! document is walked once and its quads are emitted directly, with no expanded form in between.

use std::sync::Arc;

use serde_json::{Map, Number, Value};

use super::context::{
    expand_iri, ActiveContext, Container, ContextCache, Fast, Term, TypeMap, Unsupported,
};
use super::iri::{is_absolute_iri, is_keyword};
use super::rdfc::{Node, Object, Quad};

pub(crate) const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const RDF_FIRST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first";
const RDF_REST: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest";
const RDF_NIL: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil";
const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";
const XSD_DOUBLE: &str = "http://www.w3.org/2001/XMLSchema#double";

/// One document's walk: the quads so far and the next blank node number.
pub(crate) struct Expander<'a> {
    cache: &'a ContextCache,
    pub(crate) quads: Vec<Quad>,
    pub(crate) blanks: u32,
    rdf_type: Arc<str>,
}

impl<'a> Expander<'a> {
    pub(crate) fn new(cache: &'a ContextCache) -> Self {
        Expander {
            cache,
            quads: Vec::new(),
            blanks: 0,
            rdf_type: RDF_TYPE.into(),
        }
    }

    /// Expands a whole document (a single top-level node object).
    pub(crate) fn document(&mut self, document: &Value) -> Fast<()> {
        let Value::Object(map) = document else {
            return Err(Unsupported("top-level value is not an object"));
        };
        self.document_without(map, None)
    }

    /// The top-level node object with the entry `skip` left out, as if it were not there
    /// (VC-DATA-INTEGRITY §4.4: the unsecured document is the secured one without `proof`).
    pub(crate) fn document_without(
        &mut self,
        map: &Map<String, Value>,
        skip: Option<&str>,
    ) -> Fast<()> {
        let initial = self.cache.initial().clone();
        self.node(&initial, map, None, None, skip).map(|_| ())
    }

    fn blank(&mut self) -> Node {
        self.blanks += 1;
        Node::Blank(self.blanks - 1)
    }

    /// JSON-LD 1.1 §5.1.2 steps 7–13 for a node object, emitting its quads into `graph`.
    fn node(
        &mut self,
        passed: &Arc<ActiveContext>,
        map: &Map<String, Value>,
        property: Option<&Term>,
        graph: Option<&Node>,
        skip: Option<&str>,
    ) -> Fast<Node> {
        let mut active = passed.clone();
        let entries = || map.iter().filter(|(k, _)| Some(k.as_str()) != skip);
        // Step 7: a type-scoped context does not reach into a new node object (one that is not a
        // value object and not a lone @id reference).
        if let Some(previous) = &passed.previous {
            let expands_to =
                |k: &str, kw: &str| expand_iri(passed, k, true).is_ok_and(|e| e.as_ref() == kw);
            let lone_id = entries().count() == 1 && entries().all(|(k, _)| expands_to(k, "@id"));
            let value = entries().any(|(k, _)| expands_to(k, "@value"));
            if !lone_id && !value {
                active = previous.clone();
            }
        }
        // Step 8: the property-scoped context, overriding protected terms.
        if let Some(scoped) = property.and_then(|t| t.scoped.as_ref()) {
            active = self.cache.apply_scoped(&active, scoped, true, true)?;
        }
        // Step 9: the node's own @context.
        if let Some(local) = map.get("@context") {
            active = self.cache.apply(&active, local)?;
        }
        // Steps 10–11: type-scoped contexts, applied in lexicographic order of the type values,
        // looked up in the context before any of them.
        let type_scoped = active.clone();
        let mut type_key = None;
        for (key, _) in entries() {
            // A key that does not expand here is not the type entry; it is judged in step 13.
            if key != "@context"
                && expand_iri(&type_scoped, key, true).is_ok_and(|e| e.as_ref() == "@type")
            {
                if type_key.is_some() {
                    return Err(Unsupported("two @type entries"));
                }
                type_key = Some(key);
            }
        }
        let types: Vec<&str> = match type_key.map(|k| &map[k]) {
            None => Vec::new(),
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(items)) => items
                .iter()
                .map(|t| t.as_str().ok_or(Unsupported("non-string type")))
                .collect::<Fast<_>>()?,
            Some(_) => return Err(Unsupported("non-string type")),
        };
        let mut sorted = types.clone();
        sorted.sort_unstable();
        for t in sorted {
            if let Some(scoped) = type_scoped.term(t).and_then(|d| d.scoped.as_ref()) {
                active = self.cache.apply_scoped(&active, scoped, false, false)?;
            }
        }
        let mut id_key = None;
        for (key, _) in entries() {
            if key != "@context"
                && Some(key) != type_key
                && expand_iri(&active, key, true)?.as_ref() == "@id"
            {
                if id_key.is_some() {
                    return Err(Unsupported("two @id entries"));
                }
                id_key = Some(key);
            }
        }
        let subject = match id_key.map(|k| &map[k]) {
            None => self.blank(),
            Some(Value::String(id)) => Node::Iri(absolute(expand_iri(&active, id, false)?)?),
            Some(_) => return Err(Unsupported("non-string @id")),
        };
        // JSON-LD 1.1 §8.2 step 1.3.2.1: each type is an rdf:type triple.
        for t in types {
            let iri = absolute(expand_iri(&type_scoped, t, true)?)?;
            self.quads.push(Quad {
                s: subject.clone(),
                p: self.rdf_type.clone(),
                o: Object::Node(Node::Iri(iri)),
                g: graph.cloned(),
            });
        }
        // Step 13: every other entry is a property.
        for (key, value) in entries() {
            if key == "@context" || Some(key) == type_key || Some(key) == id_key {
                continue;
            }
            let predicate = expand_iri(&active, key, true)?;
            if is_keyword(&predicate) {
                return Err(Unsupported("keyword entry in a node object"));
            }
            let predicate = absolute(predicate)?;
            self.value(&active, key, value, &subject, &predicate, graph)?;
        }
        Ok(subject)
    }

    /// The value of one property (§5.1.2 step 13.7 onwards), emitted as quads of `subject`.
    fn value(
        &mut self,
        active: &Arc<ActiveContext>,
        key: &str,
        value: &Value,
        subject: &Node,
        predicate: &Arc<str>,
        graph: Option<&Node>,
    ) -> Fast<()> {
        let list = active
            .term(key)
            .is_some_and(|t| t.container == Container::List);
        let object = match value {
            // Step 13.7 (and §5.1.2 step 5.2.3): nested arrays flatten into one set of values.
            Value::Array(items) if !list => {
                for item in items {
                    self.value(active, key, item, subject, predicate, graph)?;
                }
                return Ok(());
            }
            // A list container: §8.4 (list to RDF) writes an rdf:first / rdf:rest chain.
            _ if list => {
                let items = match value {
                    Value::Array(items) => items.as_slice(),
                    one => std::slice::from_ref(one),
                };
                let mut objects = Vec::with_capacity(items.len());
                for item in items {
                    if item.is_array() {
                        return Err(Unsupported("list of lists"));
                    }
                    objects.extend(self.object(active, key, item, graph)?);
                }
                self.list(objects, graph)
            }
            _ => match self.object(active, key, value, graph)? {
                Some(object) => object,
                None => return Ok(()),
            },
        };
        self.quads.push(Quad {
            s: subject.clone(),
            p: predicate.clone(),
            o: object,
            g: graph.cloned(),
        });
        Ok(())
    }

    /// The RDF object for one value that is not an array (§5.3 value expansion and §8.6 object
    /// to RDF), or `None` for null.
    fn object(
        &mut self,
        active: &Arc<ActiveContext>,
        key: &str,
        value: &Value,
        graph: Option<&Node>,
    ) -> Fast<Option<Object>> {
        let term = active.term(key);
        // §5.1.2 step 4: a scalar is expanded under the property-scoped context (VC 2.0's
        // `proofPurpose` values are terms of its scoped context).
        let scoped_active;
        let (active, term) = match term.and_then(|t| t.scoped.as_ref()) {
            Some(scoped) if !value.is_object() => {
                scoped_active = self.cache.apply_scoped(active, scoped, true, true)?;
                (&scoped_active, scoped_active.term(key).or(term))
            }
            _ => (active, term),
        };
        let container = term.map_or(Container::None, |t| t.container);
        let type_map = term.map_or(&TypeMap::None, |t| &t.type_map);
        Ok(Some(match value {
            Value::Null => return Ok(None),
            Value::Array(_) => return Err(Unsupported("nested array")),
            // A graph container holds each value in a graph named by a new blank node.
            Value::Object(map) if container == Container::Graph => {
                let name = self.blank();
                self.node(active, map, term, Some(&name), None)?;
                Object::Node(name)
            }
            Value::Object(map) => Object::Node(self.node(active, map, term, graph, None)?),
            _ if container == Container::Graph => {
                return Err(Unsupported("scalar in a graph container"))
            }
            _ if *type_map == TypeMap::Json => return Err(Unsupported("@json value")),
            Value::String(s) => match type_map {
                TypeMap::Id => Object::Node(Node::Iri(absolute(expand_iri(active, s, false)?)?)),
                TypeMap::Vocab => Object::Node(Node::Iri(absolute(expand_iri(active, s, true)?)?)),
                TypeMap::Datatype(dt) => Object::Literal(s.clone(), Some(dt.clone())),
                TypeMap::None | TypeMap::Json => Object::Literal(s.clone(), None),
            },
            Value::Number(n) => {
                let (lexical, datatype) = number_literal(n, datatype_of(type_map));
                Object::Literal(lexical, Some(datatype))
            }
            Value::Bool(b) => Object::Literal(
                b.to_string(),
                Some(datatype_of(type_map).map_or_else(|| XSD_BOOLEAN.into(), Clone::clone)),
            ),
        }))
    }

    /// JSON-LD 1.1 §8.4 (list to RDF): a chain of blank nodes, `rdf:nil` for the empty list.
    fn list(&mut self, objects: Vec<Object>, graph: Option<&Node>) -> Object {
        let nil = Object::Node(Node::Iri(RDF_NIL.into()));
        let mut rest = nil;
        for object in objects.into_iter().rev() {
            let cell = self.blank();
            for (p, o) in [(RDF_FIRST, object), (RDF_REST, rest)] {
                self.quads.push(Quad {
                    s: cell.clone(),
                    p: p.into(),
                    o,
                    g: graph.cloned(),
                });
            }
            rest = Object::Node(cell);
        }
        rest
    }
}

fn datatype_of(type_map: &TypeMap) -> Option<&Arc<str>> {
    match type_map {
        TypeMap::Datatype(dt) => Some(dt),
        _ => None,
    }
}

fn absolute(iri: Arc<str>) -> Fast<Arc<str>> {
    if is_absolute_iri(&iri) {
        Ok(iri)
    } else {
        Err(Unsupported("not an absolute IRI"))
    }
}

/// JSON-LD 1.1 §8.6 (object to RDF) steps 10–11 for a number, as the general path sees it: a
/// value with no fractional part below 2^53 is an integer (`15.0` is `15`), anything else an
/// `xsd:double` in its canonical form (`1.5E0`); a coerced datatype replaces the default one.
/// The integer rule is the general path's (`canon::integral_value`).
fn number_literal(n: &Number, datatype: Option<&Arc<str>>) -> (String, Arc<str>) {
    let integer = crate::canon::integral_value(n);
    let double_coerced = datatype.is_some_and(|d| d.as_ref() == XSD_DOUBLE);
    match integer {
        Some(i) if !double_coerced => (
            i.to_string(),
            datatype.map_or_else(|| XSD_INTEGER.into(), Clone::clone),
        ),
        _ => (
            pretty_dtoa::dtoa(n.as_f64().unwrap_or(f64::NAN), CANONICAL_DOUBLE),
            datatype.map_or_else(|| XSD_DOUBLE.into(), Clone::clone),
        ),
    }
}

/// XML Schema 1.1 canonical `xsd:double` (E notation), as the general path formats it.
const CANONICAL_DOUBLE: pretty_dtoa::FmtFloatConfig = pretty_dtoa::FmtFloatConfig::default()
    .force_e_notation()
    .capitalize_e(true);
