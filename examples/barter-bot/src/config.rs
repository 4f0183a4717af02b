//! The bot's config: its strategy, the bounds its containers must keep,
//! and the two workarounds that make barter's defaults pass.

/// The bot's config. Fields left out of a config file take their defaults.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, arbitrary::Arbitrary)]
#[serde(default, deny_unknown_fields)]
pub struct BarterConfig {
    /// Fast moving average, in candles (at least 1).
    pub fast: u8,
    /// Slow moving average, in candles (above `fast`).
    pub slow: u8,
    /// Position held below the crossing, in thousandths of a unit: not
    /// zero means the bot is never flat.
    pub core_lots: u16,
    /// Added above the crossing, in thousandths of a unit (at least 1).
    pub swing_lots: u16,
    /// Most trades the exchange's log may hold.
    pub trade_log_bound: u16,
    /// Most trade ids the open position may hold.
    pub position_trade_bound: u16,
    /// The workaround for both logs: rebuild the exchange's account from
    /// its snapshot when its log is full, and keep the newest half of the
    /// position's trade ids when they reach their bound. `false`: barter's
    /// default, both kept until the session ends.
    pub retention: bool,
    /// The workaround for the zero-quantity panic: refuse an order command
    /// for nothing before it reaches the engine. `false`: barter's default,
    /// where nothing refuses it (commands skip the risk manager, and
    /// `DefaultRiskManager` approves every order anyway).
    pub refuse_empty_orders: bool,
}

impl Default for BarterConfig {
    fn default() -> Self {
        BarterConfig {
            fast: 5,
            slow: 20,
            core_lots: 10,
            swing_lots: 10,
            trade_log_bound: 1_000,
            position_trade_bound: 1_000,
            retention: false,
            refuse_empty_orders: false,
        }
    }
}
