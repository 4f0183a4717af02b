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
    pub observed: i64,
    /// The limit it broke.
    pub allowed: i64,
    /// Unit of `observed` and `allowed`.
    pub unit: Cow<'static, str>,
    /// The shell command that reproduces it, once a driver knows it.
    pub reproduce: Option<String>,
}

impl Violation {
    /// A violation not yet placed at a step.
    pub fn new(
        invariant: Invariant,
        observed: i64,
        allowed: i64,
        unit: impl Into<Cow<'static, str>>,
    ) -> Self {
        Violation {
            invariant,
            step: None,
            action: None,
            component: None,
            observed,
            allowed,
            unit: unit.into(),
            reproduce: None,
        }
    }

    /// A broken invariant of the bot's own domain, named in kebab-case.
    pub fn domain(
        name: impl Into<Cow<'static, str>>,
        observed: i64,
        allowed: i64,
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
