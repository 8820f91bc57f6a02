/**
 * Minor-unit exponents of currencies, from ISO 4217 itself, not from Intl: Node's CLDR data gives
 * display digits (HUF, IDR, COP, PKR with none, IQD with none), which are not the currency's precision.
 *
 * Source: ISO 4217 List One (current currency & funds), published by SIX Financial Information as the
 * ISO 4217 maintenance agency, edition of 2025-01-01 (https://www.six-group.com/en/products-services/
 * financial-information/data-standards.html), column "Minor unit"; List Three (historic) for the
 * withdrawn codes Shopify's CurrencyCode enum still carries. Every code not in EXPONENT below has 2.
 * Not currencies (XAU, XDR, XXX, …: minor unit "N.A.") are refused.
 */
const EXPONENT: Record<string, number> = {
  // 0: List One
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  // 0: List Three (Belarusian ruble until 2016), still in Shopify's enum
  BYR: 0,
  // 3: List One
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  // 4: List One (units of account)
  CLF: 4, UYW: 4,
  // Shopify's CurrencyCode enum has three codes ISO does not: CFP (its name for the CFP franc, ISO XPF),
  // JEP (Jersey pound, at par with GBP) and KID (Kiribati dollar, at par with AUD).
  CFP: 0,
};

const TWO_DECIMALS = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC ' +
    'CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD ' +
    'KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN ' +
    'QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS ' +
    'VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL ' +
    // List Three codes still in Shopify's enum (last minor unit 2), and Shopify's JEP and KID.
    'HRK LTL LVL STD VEF MRO CUC JEP KID'
  ).split(' '),
);

/** The ISO 4217 minor-unit exponent of `code`: JPY 0, USD 2, HUF 2, KWD 3; undefined for a code that is no currency we know. */
export function isoExponent(code: string): number | undefined {
  return EXPONENT[code] ?? (TWO_DECIMALS.has(code) ? 2 : undefined);
}
