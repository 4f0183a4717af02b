//! A broken invariant, described so a person can act on it.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

/// Which invariant broke: one of the harness's, or one the bot states.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Invariant {
    /// A container holds more entries than its bound.
    ContainerBound,
    /// A component's heap bytes exceed its computed budget.
    ComponentBudget,
    /// The bot's heap bytes (live or peak) exceed the ceiling.
    HeapCeiling,
    /// Bytes left behind after the bot was dropped.
    TeardownLeak,
    /// The fitted growth slope projects past the budget.
    LeakSlope,
    /// A container disagrees with its reference model.
    ModelMismatch,
    /// The candle generator or validator broke its contract.
    InvalidCandle,
    /// The bot panicked (a Rust bot) while heapbound drove it.
    BotPanic,
    /// A bot process broke the protocol: its answers cannot be trusted
    /// (a usage error, exit 2).
    Protocol,
    /// A bot process died, hung, flooded or closed its output (a finding).
    BotProcess,
    /// A proof asked to fill every component to its bound did not (see
    /// `Prove::require_exercised`).
    NotExercised,
    /// An invariant of the bot's own domain (for the paper bot, its books),
    /// by its kebab-case name.
    Domain(Cow<'static, str>),
}

impl Serialize for Invariant {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl Invariant {
    /// The kebab-case name used in reports and JSON.
    pub fn name(&self) -> &str {
        match self {
            Invariant::ContainerBound => "container-bound",
            Invariant::ComponentBudget => "component-budget",
            Invariant::HeapCeiling => "heap-ceiling",
            Invariant::TeardownLeak => "teardown-leak",
            Invariant::LeakSlope => "leak-slope",
            Invariant::ModelMismatch => "model-mismatch",
            Invariant::InvalidCandle => "invalid-candle",
            Invariant::BotPanic => "bot-panic",
            Invariant::Protocol => "protocol",
            Invariant::BotProcess => "bot-process",
            Invariant::NotExercised => "not-exercised",
            Invariant::Domain(name) => name,
        }
    }
}

/// A failed check: the invariant, where it broke, observed against allowed,
/// and the command that reproduces it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The broken invariant.
    pub invariant: Invariant,
    /// Step index (action or candle number) where it broke, if known.
    pub step: Option<u64>,
    /// The action at that step, in readable form.
    pub action: Option<String>,
    /// The component concerned, if one.
    pub component: Option<String>,
    /// What was measured.
    pub observed: Amount,
    /// The limit it broke.
    pub allowed: Amount,
    /// More about it: a panic's message and location, a process failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Unit of `observed` and `allowed`.
    pub unit: Cow<'static, str>,
    /// The shell command that reproduces it, once a driver knows it.
    pub reproduce: Option<String>,
}

impl Violation {
    /// A violation not yet placed at a step.
    pub fn new(
        invariant: Invariant,
        observed: impl Into<Amount>,
        allowed: impl Into<Amount>,
        unit: impl Into<Cow<'static, str>>,
    ) -> Self {
        Violation {
            invariant,
            step: None,
            action: None,
            component: None,
            observed: observed.into(),
            allowed: allowed.into(),
            detail: None,
            unit: unit.into(),
            reproduce: None,
        }
    }

    /// A broken invariant of the bot's own domain, named in kebab-case.
    pub fn domain(
        name: impl Into<Cow<'static, str>>,
        observed: impl Into<Amount>,
        allowed: impl Into<Amount>,
        unit: impl Into<Cow<'static, str>>,
    ) -> Self {
        Violation::new(Invariant::Domain(name.into()), observed, allowed, unit)
    }

    /// Names the component.
    pub fn in_component(mut self, component: &str) -> Self {
        self.component = Some(component.to_string());
        self
    }

    /// Places it at a step and action.
    pub fn at_step(mut self, step: u64, action: Option<String>) -> Self {
        self.step = Some(step);
        self.action = action;
        self
    }

    /// Adds what more there is to say (a panic's message and location).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Adds the command that reproduces it.
    pub fn reproduced_by(mut self, command: impl Into<String>) -> Self {
        self.reproduce = Some(command.into());
        self
    }

    /// One line without the reproduction command, for lists in reports.
    pub fn summary(&self) -> String {
        let mut line = self.invariant.name().to_string();
        if let Some(component) = &self.component {
            line.push_str(&format!(" in {component}"));
        }
        if let Some(step) = self.step {
            line.push_str(&format!(" at step {step}"));
        }
        if let Some(action) = &self.action {
            line.push_str(&format!(" ({action})"));
        }
        line.push_str(&format!(
            ": observed {} {unit}, allowed {} {unit}",
            self.observed,
            self.allowed,
            unit = self.unit
        ));
        if let Some(detail) = &self.detail {
            line.push_str(&format!(" ({detail})"));
        }
        line
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "violation: {}", self.summary())?;
        if let Some(command) = &self.reproduce {
            write!(f, "\n  reproduce: {command}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violation {}

/// A measured number in a violation: an integer where one was measured,
/// the exact value where a bot sent a fraction (a reported -1.5 stays
/// -1.5). Serialized as a JSON integer when it is one.
#[derive(Clone, Copy, Debug, Default)]
pub struct Amount(f64);

impl Amount {
    /// The value.
    pub fn value(self) -> f64 {
        self.0
    }

    fn as_integer(self) -> Option<i64> {
        let integral = self.0.fract() == 0.0 && self.0.abs() < 9.007_199_254_740_992e15;
        integral.then_some(self.0 as i64)
    }
}

impl From<i64> for Amount {
    fn from(value: i64) -> Self {
        Amount(value as f64)
    }
}

impl From<i32> for Amount {
    fn from(value: i32) -> Self {
        Amount(f64::from(value))
    }
}

impl From<u64> for Amount {
    fn from(value: u64) -> Self {
        Amount(value as f64)
    }
}

impl From<f64> for Amount {
    fn from(value: f64) -> Self {
        Amount(value)
    }
}

impl PartialEq for Amount {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0).is_eq()
    }
}

impl Eq for Amount {}

impl PartialOrd for Amount {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.0.total_cmp(&other.0))
    }
}

impl PartialEq<i64> for Amount {
    fn eq(&self, other: &i64) -> bool {
        *self == Amount::from(*other)
    }
}

impl PartialOrd<i64> for Amount {
    fn partial_cmp(&self, other: &i64) -> Option<std::cmp::Ordering> {
        self.partial_cmp(&Amount::from(*other))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_integer() {
            Some(integer) => write!(f, "{integer}"),
            None => write!(f, "{}", self.0),
        }
    }
}

impl Serialize for Amount {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.as_integer() {
            Some(integer) => serializer.serialize_i64(integer),
            None => serializer.serialize_f64(self.0),
        }
    }
}

/// Every violation a check found: the first of each invariant and
/// component, in the order found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Failure {
    violations: Vec<Violation>,
}

impl Failure {
    /// A failure of one violation.
    pub fn one(violation: Violation) -> Failure {
        Failure {
            violations: vec![violation],
        }
    }

    /// The violations found, or `None` when there are none.
    pub fn of(violations: Vec<Violation>) -> Option<Failure> {
        (!violations.is_empty()).then_some(Failure { violations })
    }

    /// The first violation found.
    pub fn first(&self) -> &Violation {
        &self.violations[0]
    }

    /// Every violation, first found first.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The violations, by value.
    pub fn into_violations(self) -> Vec<Violation> {
        self.violations
    }

    /// Adds the command that reproduces it (to every violation).
    pub fn reproduced_by(mut self, command: impl Into<String>) -> Failure {
        let command = command.into();
        for violation in &mut self.violations {
            violation.reproduce = Some(command.clone());
        }
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for violation in &self.violations {
            writeln!(f, "violation: {}", violation.summary())?;
        }
        if let Some(command) = &self.first().reproduce {
            write!(f, "  reproduce: {command}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

/// Collects the first violation of each (invariant, component).
#[derive(Clone, Debug, Default)]
pub(crate) struct FirstOfEach {
    found: Vec<Violation>,
}

impl FirstOfEach {
    /// Keeps `violation` unless one of its invariant and component is
    /// already kept.
    pub fn record(&mut self, violation: Violation) {
        let seen = self.found.iter().any(|kept| {
            kept.invariant == violation.invariant && kept.component == violation.component
        });
        if !seen {
            self.found.push(violation);
        }
    }

    /// The failure, if any violation was kept.
    pub fn into_failure(self) -> Option<Failure> {
        Failure::of(self.found)
    }

    /// The violations kept.
    pub fn into_vec(self) -> Vec<Violation> {
        self.found
    }
}
