//! An achievement's rubric, evidence prompts and review plan (Cairn's own properties of a
//! definition), what they become in a credential (OB 3.0 `ResultDescription`, `Result`), and the
//! decision rules: which review comes next and what the reviews decide. Sans-I/O.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::error::Error;

/// One criterion a reviewer scores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    /// Its id within the achievement.
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it asks for.
    pub description: Option<String>,
    /// Its levels, lowest first: (id, name, description).
    pub levels: Vec<(String, String, Option<String>)>,
    /// The id of the lowest level that meets it.
    pub required: String,
}

impl Criterion {
    /// Where `level` stands among the levels (None: not one of them).
    pub fn rank(&self, level: &str) -> Option<usize> {
        self.levels.iter().position(|(id, ..)| id == level)
    }

    /// Whether `level` meets the criterion.
    pub fn met_by(&self, level: &str) -> bool {
        match (self.rank(level), self.rank(&self.required)) {
            (Some(l), Some(r)) => l >= r,
            _ => false,
        }
    }

    /// A level's name.
    pub fn level_name<'a>(&'a self, level: &'a str) -> &'a str {
        self.levels
            .iter()
            .find(|(id, ..)| id == level)
            .map(|(_, name, _)| name.as_str())
            .unwrap_or(level)
    }
}

/// Something a teacher writes when submitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// Its id within the achievement.
    pub id: String,
    /// The question.
    pub label: String,
    /// Guidance under it.
    pub help: Option<String>,
    /// The most words accepted.
    pub max_words: Option<u32>,
}

/// How a submission is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionRule {
    /// One reviewer decides.
    One,
    /// Two reviewers; it is earned only when both say so.
    TwoAgree,
    /// Two reviewers; when they disagree a third breaks the tie.
    TwoTieBreak,
    /// An assessor scores; a grantor confirms an "earned" recommendation.
    AssessorGrantor,
}

impl DecisionRule {
    /// Every rule, as offered in the console.
    pub const ALL: [DecisionRule; 4] = [
        DecisionRule::One,
        DecisionRule::TwoAgree,
        DecisionRule::TwoTieBreak,
        DecisionRule::AssessorGrantor,
    ];

    /// Its name in definitions.
    pub fn name(self) -> &'static str {
        match self {
            DecisionRule::One => "one",
            DecisionRule::TwoAgree => "two-agree",
            DecisionRule::TwoTieBreak => "two-tiebreak",
            DecisionRule::AssessorGrantor => "assessor-grantor",
        }
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            DecisionRule::One => "One reviewer decides",
            DecisionRule::TwoAgree => "Two reviewers must both recommend it",
            DecisionRule::TwoTieBreak => "Two reviewers; a third breaks a tie",
            DecisionRule::AssessorGrantor => "An assessor scores, a grantor confirms",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        DecisionRule::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The reviews opened when a submission arrives.
    pub fn first_slots(self) -> &'static [Slot] {
        match self {
            DecisionRule::One | DecisionRule::AssessorGrantor => &[Slot::First],
            DecisionRule::TwoAgree | DecisionRule::TwoTieBreak => &[Slot::First, Slot::Second],
        }
    }
}

/// An achievement's review plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewPlan {
    /// The decision rule.
    pub rule: DecisionRule,
    /// Reviewers see neither the teacher's name nor the other reviews.
    pub blind: bool,
    /// Issue the credential as soon as it is earned (else it waits for staff to sign it).
    pub automatic_award: bool,
    /// Days a reviewer has for a review.
    pub due_days: u32,
    /// Who reviews (email addresses, assigned in turn).
    pub reviewers: Vec<String>,
}

/// Everything an achievement says about earning it by evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rubric {
    /// The criteria, in order.
    pub criteria: Vec<Criterion>,
    /// What the teacher writes.
    pub prompts: Vec<Prompt>,
    /// How it is reviewed.
    pub review: ReviewPlan,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

impl Rubric {
    /// The rubric of a definition (checked against the schema already), or None when the
    /// achievement is not earned by evidence. `achievement_invalid` when a criterion's
    /// `required` level is not one of its levels or ids repeat.
    pub fn of(definition: &Value) -> Result<Option<Rubric>, Error> {
        let Some(items) = definition.get("rubric").and_then(Value::as_array) else {
            return Ok(None);
        };
        let mut criteria = Vec::new();
        for item in items {
            let levels: Vec<(String, String, Option<String>)> = item
                .get("levels")
                .and_then(Value::as_array)
                .map(|ls| {
                    ls.iter()
                        .map(|l| {
                            (
                                text(l, "id").unwrap_or_default(),
                                text(l, "name").unwrap_or_default(),
                                text(l, "description"),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let c = Criterion {
                id: text(item, "id").unwrap_or_default(),
                name: text(item, "name").unwrap_or_default(),
                description: text(item, "description"),
                levels,
                required: text(item, "required").unwrap_or_default(),
            };
            if c.rank(&c.required).is_none() {
                return Err(Error::AchievementInvalid(format!(
                    "rubric criterion {:?}: required level {:?} is not one of its levels",
                    c.id, c.required
                )));
            }
            let mut ids: Vec<&str> = c.levels.iter().map(|(id, ..)| id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            if ids.len() != c.levels.len() {
                return Err(Error::AchievementInvalid(format!(
                    "rubric criterion {:?}: level ids repeat",
                    c.id
                )));
            }
            criteria.push(c);
        }
        let mut ids: Vec<&str> = criteria.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() != criteria.len() {
            return Err(Error::AchievementInvalid(
                "rubric criterion ids repeat".into(),
            ));
        }
        let prompts = definition
            .get("evidencePrompts")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .map(|p| Prompt {
                        id: text(p, "id").unwrap_or_default(),
                        label: text(p, "label").unwrap_or_default(),
                        help: text(p, "help"),
                        max_words: p
                            .get("maxWords")
                            .and_then(Value::as_u64)
                            .and_then(|n| u32::try_from(n).ok()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let r = definition.get("review").cloned().unwrap_or(Value::Null);
        let review = ReviewPlan {
            rule: r
                .get("rule")
                .and_then(Value::as_str)
                .and_then(DecisionRule::parse)
                .unwrap_or(DecisionRule::One),
            blind: r.get("blind").and_then(Value::as_bool).unwrap_or(false),
            automatic_award: r.get("award").and_then(Value::as_str) != Some("queued"),
            due_days: r
                .get("dueDays")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(14),
            reviewers: r
                .get("reviewers")
                .and_then(Value::as_array)
                .map(|rs| {
                    rs.iter()
                        .filter_map(Value::as_str)
                        .map(|e| e.trim().to_lowercase())
                        .collect()
                })
                .unwrap_or_default(),
        };
        Ok(Some(Rubric {
            criteria,
            prompts,
            review,
        }))
    }

    /// A criterion by id.
    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }

    /// OB 3.0 §4 (ResultDescription): one per criterion, resultType `RubricCriterionLevel`,
    /// its levels in order (`rubricCriterionLevel`) and the level that meets it
    /// (`requiredLevel`), with ids under the achievement's.
    pub fn result_descriptions(&self, achievement_id: &str) -> Value {
        Value::Array(
            self.criteria
                .iter()
                .map(|c| {
                    let levels: Vec<Value> = c
                        .levels
                        .iter()
                        .enumerate()
                        .map(|(i, (id, name, description))| {
                            let mut l = json!({
                                "id": level_id(achievement_id, &c.id, id),
                                "type": ["RubricCriterionLevel"],
                                "name": name,
                                "level": (i + 1).to_string(),
                            });
                            if let Some(d) = description {
                                l["description"] = d.clone().into();
                            }
                            l
                        })
                        .collect();
                    json!({
                        "id": criterion_id(achievement_id, &c.id),
                        "type": ["ResultDescription"],
                        "name": c.name,
                        "resultType": "RubricCriterionLevel",
                        "rubricCriterionLevel": levels,
                        "requiredLevel": level_id(achievement_id, &c.id, &c.required),
                    })
                })
                .collect(),
        )
    }

    /// OB 3.0 §5 (Result): the achieved level of each criterion, naming the achievement's
    /// ResultDescription it answers.
    pub fn results(&self, achievement_id: &str, levels: &BTreeMap<String, String>) -> Vec<Value> {
        self.criteria
            .iter()
            .filter_map(|c| {
                levels.get(&c.id).map(|level| {
                    json!({
                        "type": ["Result"],
                        "resultDescription": criterion_id(achievement_id, &c.id),
                        "achievedLevel": level_id(achievement_id, &c.id, level),
                        "status": "Completed",
                    })
                })
            })
            .collect()
    }

    /// Checks a review's scores: every criterion scored with one of its levels (unless the
    /// submission is returned incomplete), and "earned" only when every level meets its
    /// criterion.
    pub fn check_review(
        &self,
        recommendation: Recommendation,
        levels: &BTreeMap<String, String>,
    ) -> Result<(), Error> {
        if recommendation == Recommendation::Incomplete {
            return Ok(());
        }
        for c in &self.criteria {
            let Some(level) = levels.get(&c.id) else {
                return Err(Error::input(
                    "scores",
                    format!("score the criterion \"{}\"", c.name),
                ));
            };
            if c.rank(level).is_none() {
                return Err(Error::input(
                    "scores",
                    format!("{level:?} is not a level of \"{}\"", c.name),
                ));
            }
            if recommendation == Recommendation::Earned && !c.met_by(level) {
                return Err(Error::input(
                    "recommendation",
                    format!(
                        "\"earned\" needs every criterion met; \"{}\" is at \"{}\"",
                        c.name,
                        c.level_name(level)
                    ),
                ));
            }
        }
        if let Some(extra) = levels.keys().find(|k| self.criterion(k).is_none()) {
            return Err(Error::input(
                "scores",
                format!("{extra:?} is not a criterion"),
            ));
        }
        Ok(())
    }

    /// Per criterion, the lower of two reviews' levels (two reviewers who agree: the credential
    /// claims no more than both saw).
    fn lower(&self, a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Levels {
        self.criteria
            .iter()
            .filter_map(|c| {
                let pick = match (a.get(&c.id), b.get(&c.id)) {
                    (Some(x), Some(y)) => {
                        if c.rank(x) <= c.rank(y) {
                            x
                        } else {
                            y
                        }
                    }
                    (Some(x), None) | (None, Some(x)) => x,
                    (None, None) => return None,
                };
                Some((c.id.clone(), pick.clone()))
            })
            .collect()
    }
}

fn criterion_id(achievement_id: &str, criterion: &str) -> String {
    format!("{achievement_id}#criterion-{criterion}")
}

fn level_id(achievement_id: &str, criterion: &str, level: &str) -> String {
    format!("{achievement_id}#criterion-{criterion}-level-{level}")
}

/// What a reviewer recommends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recommendation {
    /// The criteria are met.
    Earned,
    /// Not yet: the feedback says what is missing.
    NotYet,
    /// Returned without scoring: something is missing from the submission.
    Incomplete,
}

impl Recommendation {
    /// Every recommendation.
    pub const ALL: [Recommendation; 3] = [
        Recommendation::Earned,
        Recommendation::NotYet,
        Recommendation::Incomplete,
    ];

    /// Its name (`earned`, `not-yet`, `incomplete`).
    pub fn name(self) -> &'static str {
        match self {
            Recommendation::Earned => "earned",
            Recommendation::NotYet => "not-yet",
            Recommendation::Incomplete => "incomplete",
        }
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            Recommendation::Earned => "Earned",
            Recommendation::NotYet => "Not yet",
            Recommendation::Incomplete => "Incomplete (returned without scoring)",
        }
    }

    /// Reads a name; an unknown one is `invalid_input`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        Recommendation::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| {
                Error::input(
                    "recommendation",
                    format!("{s:?} is not earned, not-yet or incomplete"),
                )
            })
    }
}

/// A review's place in the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Slot {
    /// The first (or only) reviewer; the assessor.
    First,
    /// The second reviewer.
    Second,
    /// The tie-breaker.
    TieBreak,
    /// The grantor, who confirms an assessor's "earned".
    Grantor,
}

impl Slot {
    /// Its name as stored.
    pub fn name(self) -> &'static str {
        match self {
            Slot::First => "first",
            Slot::Second => "second",
            Slot::TieBreak => "tie-break",
            Slot::Grantor => "grantor",
        }
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            Slot::First => "First review",
            Slot::Second => "Second review",
            Slot::TieBreak => "Tie-break",
            Slot::Grantor => "Grantor",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Slot::First, Slot::Second, Slot::TieBreak, Slot::Grantor]
            .into_iter()
            .find(|x| x.name() == s)
    }
}

/// Criterion id → level id.
pub type Levels = BTreeMap<String, String>;

/// A finished review, as the rules read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored {
    /// Its place.
    pub slot: Slot,
    /// What it recommends.
    pub recommendation: Recommendation,
    /// Its levels.
    pub levels: Levels,
}

/// What the finished reviews call for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// More reviews are under way.
    Wait,
    /// Open this review (a tie-break, a grantor).
    Open(Slot),
    /// Decided: the outcome, and the levels the credential records.
    Decide(Recommendation, Levels),
}

/// The decision rules. `done` holds the finished reviews (any order).
pub fn decide(rule: DecisionRule, rubric: &Rubric, done: &[Scored]) -> Next {
    let get = |slot: Slot| done.iter().find(|s| s.slot == slot);
    match rule {
        DecisionRule::One => match get(Slot::First) {
            Some(f) => Next::Decide(f.recommendation, f.levels.clone()),
            None => Next::Wait,
        },
        DecisionRule::TwoAgree | DecisionRule::TwoTieBreak => {
            let (Some(a), Some(b)) = (get(Slot::First), get(Slot::Second)) else {
                return Next::Wait;
            };
            if a.recommendation == b.recommendation {
                return Next::Decide(a.recommendation, rubric.lower(&a.levels, &b.levels));
            }
            if rule == DecisionRule::TwoTieBreak {
                return match get(Slot::TieBreak) {
                    Some(t) => Next::Decide(t.recommendation, t.levels.clone()),
                    None => Next::Open(Slot::TieBreak),
                };
            }
            // Two must agree: without agreement it is not earned; a return for missing
            // evidence wins over "not yet", so the teacher knows to complete it.
            let outcome = if a.recommendation == Recommendation::Incomplete
                || b.recommendation == Recommendation::Incomplete
            {
                Recommendation::Incomplete
            } else {
                Recommendation::NotYet
            };
            Next::Decide(outcome, rubric.lower(&a.levels, &b.levels))
        }
        DecisionRule::AssessorGrantor => {
            let Some(a) = get(Slot::First) else {
                return Next::Wait;
            };
            if a.recommendation != Recommendation::Earned {
                return Next::Decide(a.recommendation, a.levels.clone());
            }
            match get(Slot::Grantor) {
                // The grantor confirms or overrules; the credential records the assessor's
                // levels unless the grantor scored.
                Some(g) if g.levels.is_empty() => Next::Decide(g.recommendation, a.levels.clone()),
                Some(g) => Next::Decide(g.recommendation, g.levels.clone()),
                None => Next::Open(Slot::Grantor),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rubric() -> Rubric {
        let def = json!({
            "rubric": [
                {"id": "plan", "name": "Unit plan", "required": "demonstrated",
                 "levels": [{"id": "not-yet", "name": "Not yet"}, {"id": "developing", "name": "Developing"}, {"id": "demonstrated", "name": "Demonstrated"}]},
                {"id": "reflection", "name": "Reflection", "required": "developing",
                 "levels": [{"id": "not-yet", "name": "Not yet"}, {"id": "developing", "name": "Developing"}, {"id": "demonstrated", "name": "Demonstrated"}]}
            ],
            "review": {"rule": "two-tiebreak"}
        });
        Rubric::of(&def)
            .ok()
            .flatten()
            .unwrap_or_else(|| unreachable!())
    }

    fn levels(plan: &str, reflection: &str) -> Levels {
        [("plan", plan), ("reflection", reflection)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn scored(slot: Slot, r: Recommendation, l: Levels) -> Scored {
        Scored {
            slot,
            recommendation: r,
            levels: l,
        }
    }

    /// Every rule against the reviews that can be in: (rule, reviews, what follows).
    #[test]
    fn the_rules_decide_as_documented() {
        use Recommendation::*;
        let r = rubric();
        let met = levels("demonstrated", "demonstrated");
        let low = levels("demonstrated", "developing");
        let unmet = levels("developing", "developing");
        let cases: Vec<(DecisionRule, Vec<Scored>, Next)> = vec![
            (DecisionRule::One, vec![], Next::Wait),
            (
                DecisionRule::One,
                vec![scored(Slot::First, NotYet, unmet.clone())],
                Next::Decide(NotYet, unmet.clone()),
            ),
            (
                DecisionRule::TwoTieBreak,
                vec![scored(Slot::First, Earned, met.clone())],
                Next::Wait,
            ),
            (
                DecisionRule::TwoTieBreak,
                vec![
                    scored(Slot::First, Earned, met.clone()),
                    scored(Slot::Second, Earned, low.clone()),
                ],
                Next::Decide(Earned, low.clone()),
            ),
            (
                DecisionRule::TwoTieBreak,
                vec![
                    scored(Slot::Second, NotYet, unmet.clone()),
                    scored(Slot::First, Earned, met.clone()),
                ],
                Next::Open(Slot::TieBreak),
            ),
            (
                DecisionRule::TwoTieBreak,
                vec![
                    scored(Slot::First, Earned, met.clone()),
                    scored(Slot::Second, NotYet, unmet.clone()),
                    scored(Slot::TieBreak, NotYet, unmet.clone()),
                ],
                Next::Decide(NotYet, unmet.clone()),
            ),
            (
                DecisionRule::TwoAgree,
                vec![
                    scored(Slot::First, Earned, met.clone()),
                    scored(Slot::Second, NotYet, unmet.clone()),
                ],
                Next::Decide(NotYet, unmet.clone()),
            ),
            (
                DecisionRule::TwoAgree,
                vec![
                    scored(Slot::First, Incomplete, Levels::new()),
                    scored(Slot::Second, NotYet, unmet.clone()),
                ],
                Next::Decide(Incomplete, unmet.clone()),
            ),
            (
                DecisionRule::AssessorGrantor,
                vec![scored(Slot::First, NotYet, unmet.clone())],
                Next::Decide(NotYet, unmet.clone()),
            ),
            (
                DecisionRule::AssessorGrantor,
                vec![scored(Slot::First, Earned, met.clone())],
                Next::Open(Slot::Grantor),
            ),
            (
                DecisionRule::AssessorGrantor,
                vec![
                    scored(Slot::First, Earned, met.clone()),
                    scored(Slot::Grantor, Earned, Levels::new()),
                ],
                Next::Decide(Earned, met.clone()),
            ),
        ];
        for (rule, done, expected) in cases {
            assert_eq!(decide(rule, &r, &done), expected, "{rule:?} {done:?}");
        }
    }

    #[test]
    fn reviews_are_checked_against_the_rubric() {
        use Recommendation::*;
        let r = rubric();
        assert!(r
            .check_review(Earned, &levels("demonstrated", "developing"))
            .is_ok());
        assert!(r.check_review(Incomplete, &Levels::new()).is_ok());
        let bad = [
            (Earned, levels("developing", "developing")),
            (NotYet, levels("excellent", "developing")),
            (NotYet, Levels::new()),
        ];
        for (rec, l) in bad {
            assert_eq!(
                r.check_review(rec, &l).err().map(|e| e.code()),
                Some("invalid_input"),
                "{rec:?} {l:?}"
            );
        }
    }

    #[test]
    fn a_required_level_must_be_a_level() {
        let def = json!({"rubric": [{"id": "a", "name": "A", "required": "x",
            "levels": [{"id": "n", "name": "N"}, {"id": "y", "name": "Y"}]}]});
        assert_eq!(
            Rubric::of(&def).err().map(|e| e.code()),
            Some("achievement_invalid")
        );
    }
}
