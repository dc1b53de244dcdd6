"""Static vocabulary of the demo company: job families, divisions, grades, skills, processes.

Only text and a few shape parameters live here; every random choice is made by the builder from the seed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    code: str
    name: str
    roles: tuple[str, ...]  # individual-contributor role nouns, most common first
    skills: tuple[str, ...]
    p_female: float  # share of women hired into the family (a plausible, not a target, distribution)
    ic_grades: tuple[float, ...]  # weights of IC grades 1..6
    exit_bias: float = 0.0  # log-odds shift of voluntary exits (contact centres churn more than legal)


_IC_LOW = (0.26, 0.34, 0.24, 0.11, 0.04, 0.01)
_IC_MID = (0.12, 0.26, 0.29, 0.20, 0.09, 0.04)
_IC_HIGH = (0.06, 0.18, 0.30, 0.26, 0.13, 0.07)

FAMILIES: tuple[Family, ...] = (
    Family("EXE", "Executive Management", ("Chief of Staff", "Executive Assistant", "Strategy Analyst"),
           ("Strategy development", "Corporate finance", "Board relations", "M&A integration", "Investor relations",
            "Business planning", "Portfolio management", "Enterprise risk management"), 0.4, _IC_MID),
    Family("ENG", "Engineering",
           ("Software Engineer", "Backend Engineer", "Frontend Engineer", "QA Engineer", "DevOps Engineer",
            "Data Engineer", "Mobile Engineer", "Site Reliability Engineer"),
           ("Python", "Java", "Go", "TypeScript", "Kotlin", "C++", "SQL", "Distributed systems", "API design",
            "Microservices", "Cloud architecture", "Kubernetes", "CI/CD pipelines", "Test automation", "Code review",
            "System design", "Performance engineering", "Secure coding", "Mobile development", "React",
            "Data modelling", "Observability"), 0.24, _IC_HIGH),
    Family("IT", "Information Technology",
           ("IT Support Specialist", "Systems Administrator", "Network Engineer", "Security Analyst",
            "Database Administrator", "IT Business Analyst"),
           ("IT service management", "Network administration", "Identity and access management", "Endpoint management",
            "Cloud operations", "Linux administration", "Windows Server", "Database administration",
            "Security operations", "Incident response", "Vulnerability management", "ERP administration",
            "Enterprise architecture", "IT asset management", "Backup and recovery", "PowerShell scripting",
            "Service desk", "IT vendor management"), 0.28, _IC_MID),
    Family("SAL", "Sales",
           ("Sales Representative", "Account Executive", "Sales Development Representative", "Key Account Manager",
            "Pre-sales Consultant", "Sales Operations Analyst"),
           ("Prospecting", "Account management", "Negotiation", "Solution selling", "Pipeline management",
            "CRM (Salesforce)", "Sales forecasting", "Key account planning", "Closing", "Territory planning",
            "Channel partnerships", "Pricing strategy", "Tender management", "Upselling and cross-selling",
            "Value proposition design", "Sales presentations", "Social selling", "Objection handling"),
           0.44, _IC_MID, 0.25),
    Family("FIN", "Finance",
           ("Accountant", "Financial Analyst", "Controller", "Treasury Analyst", "Tax Specialist", "Auditor",
            "Payroll Accountant"),
           ("Financial reporting (IFRS)", "Management accounting", "Budgeting and forecasting", "Financial modelling",
            "Treasury management", "Tax compliance", "Internal audit", "Accounts payable", "Accounts receivable",
            "Cost control", "Financial analysis", "Consolidation", "Cash-flow management", "Controlling",
            "Revenue recognition", "Credit risk", "ERP finance modules", "Transfer pricing"), 0.52, _IC_MID, -0.1),
    Family("OPS", "Operations",
           ("Operator", "Operations Specialist", "Production Planner", "Quality Engineer", "Process Engineer",
            "Shift Coordinator", "Maintenance Technician"),
           ("Lean management", "Six Sigma", "Process improvement", "Production planning", "Quality management (ISO 9001)",
            "Health and safety", "Facility management", "Capacity planning", "Root-cause analysis",
            "Maintenance planning", "Shift management", "Operational KPIs", "Equipment operation", "Inventory control",
            "Kaizen", "Standard operating procedures", "Workforce scheduling"), 0.33, _IC_LOW, 0.1),
    Family("HR", "Human Resources",
           ("HR Generalist", "Recruiter", "HR Business Partner", "Compensation Analyst", "Learning Specialist",
            "HR Operations Specialist"),
           ("Recruiting", "Employee relations", "Compensation and benefits", "Labour law", "Talent management",
            "Learning and development", "Performance management", "Workforce planning", "People analytics",
            "Onboarding", "Payroll", "Organisation design", "Change management", "Succession planning",
            "Employer branding", "HRIS administration", "Diversity and inclusion", "Coaching"), 0.71, _IC_MID),
    Family("MKT", "Marketing",
           ("Marketing Specialist", "Digital Marketing Specialist", "Content Strategist", "Brand Manager",
            "Marketing Analyst", "Designer"),
           ("Brand management", "Digital marketing", "Search engine optimisation", "Paid search", "Content marketing",
            "Social media marketing", "Marketing analytics", "Market research", "Product marketing", "Email marketing",
            "Marketing automation", "Copywriting", "Public relations", "Event management", "Campaign management",
            "Customer segmentation", "Graphic design", "Trade promotion"), 0.6, _IC_MID, 0.1),
    Family("LEG", "Legal",
           ("Legal Counsel", "Paralegal", "Compliance Officer", "Contract Manager", "Privacy Specialist"),
           ("Contract law", "Corporate law", "Compliance management", "Data protection (GDPR)", "Intellectual property",
            "Litigation", "Employment law", "Regulatory affairs", "Anti-bribery and corruption", "Legal research",
            "Mergers and acquisitions", "Competition law", "Policy drafting", "Legal risk assessment",
            "Corporate governance", "Sanctions and export control"), 0.52, _IC_HIGH, -0.2),
    Family("CS", "Customer Service",
           ("Customer Service Agent", "Customer Support Specialist", "Customer Success Manager",
            "Service Quality Analyst", "Support Engineer"),
           ("Customer communication", "Complaint handling", "Ticketing systems", "Product knowledge",
            "Contact-centre operations", "Service level management", "Customer retention", "Escalation management",
            "Live chat support", "First-contact resolution", "Knowledge-base authoring", "Quality monitoring",
            "De-escalation", "Multilingual support", "Service analytics", "Returns and refunds"), 0.58, _IC_LOW, 0.35),
    Family("PRD", "Product Management",
           ("Product Manager", "Product Owner", "UX Designer", "UX Researcher", "Business Analyst"),
           ("Product discovery", "Roadmapping", "User research", "Requirements engineering", "Backlog management",
            "A/B testing", "Product analytics", "UX design", "Prototyping", "Go-to-market planning",
            "Stakeholder management", "Pricing and packaging", "Competitive analysis", "Scrum", "OKRs",
            "Interaction design"), 0.45, _IC_HIGH),
    Family("SCM", "Supply Chain",
           ("Buyer", "Logistics Coordinator", "Demand Planner", "Warehouse Specialist", "Procurement Specialist",
            "Supply Chain Analyst"),
           ("Demand planning", "Procurement", "Supplier management", "Logistics", "Warehouse management",
            "Transportation management", "Inventory optimisation", "Sales and operations planning",
            "Customs and trade compliance", "Category management", "Strategic sourcing", "Supply-chain risk",
            "Distribution planning", "Purchasing negotiation", "ERP supply-chain modules", "Cold-chain operations"),
           0.36, _IC_LOW, 0.05),
    Family("RND", "Research & Development",
           ("Research Scientist", "Data Scientist", "Research Engineer", "Lab Technician", "Research Analyst"),
           ("Experimental design", "Statistical analysis", "Machine learning", "Data science", "Scientific writing",
            "Laboratory techniques", "Research methodology", "Patent analysis", "Simulation and modelling",
            "Materials science", "Signal processing", "Computer vision", "Natural language processing",
            "Bioinformatics", "Grant writing", "Technology scouting"), 0.38, _IC_HIGH, -0.1),
)
FAMILY_INDEX = {f.code: i for i, f in enumerate(FAMILIES)}
# Families between which a same-grade move is a step the job architecture allows (stored once per pair).
RELATED_FAMILIES: tuple[tuple[str, str], ...] = (
    ("ENG", "IT"), ("ENG", "PRD"), ("ENG", "RND"), ("IT", "PRD"), ("SAL", "MKT"), ("SAL", "CS"), ("MKT", "PRD"),
    ("FIN", "EXE"), ("FIN", "LEG"), ("OPS", "SCM"), ("OPS", "CS"), ("HR", "EXE"), ("LEG", "EXE"),
)

LEADERSHIP_SKILLS = (
    "People leadership", "Coaching and feedback", "Strategic thinking", "Decision making", "Delegation",
    "Conflict resolution", "Budget ownership", "Change leadership", "Cross-functional collaboration",
    "Hiring and team building", "Performance coaching", "Executive communication", "Business acumen",
    "Vision and direction")
CORE_SKILLS = (
    "Communication", "Problem solving", "Teamwork", "Time management", "Presentation skills", "Written communication",
    "Customer orientation", "Critical thinking", "Adaptability", "Project management", "Data literacy",
    "Business English", "German", "French", "Spanish", "Microsoft Excel", "Data visualisation", "Negotiation basics")


@dataclass(frozen=True)
class DivisionKind:
    code: str
    name: str
    head_title: str
    weight: float  # relative headcount
    families: tuple[tuple[str, float], ...]  # families of the departments inside, with weights
    areas: tuple[str, ...]  # names of second-level departments


DIVISIONS: tuple[DivisionKind, ...] = (
    # The first six are always present (HR first: the demo's HR director heads it), the rest are drawn.
    DivisionKind("HR", "People & Culture", "Chief People Officer", 0.32, (("HR", 1.0),),
                 ("Talent Acquisition", "HR Operations", "Learning & Development", "Total Rewards", "HR Business Partners",
                  "Employee Relations", "People Analytics", "Organisation Development", "Payroll Services")),
    DivisionKind("SAL", "Sales", "Chief Revenue Officer", 1.4, (("SAL", 0.85), ("CS", 0.08), ("MKT", 0.07)),
                 ("Enterprise Sales", "Mid-Market Sales", "Inside Sales", "Channel Sales", "Key Accounts",
                  "Sales Operations", "Public Sector Sales", "Pre-Sales", "Partner Management", "New Business")),
    DivisionKind("OPS", "Operations", "Chief Operating Officer", 1.6, (("OPS", 0.82), ("SCM", 0.12), ("ENG", 0.06)),
                 ("Manufacturing", "Quality Assurance", "Maintenance", "Production Planning", "Plant Operations",
                  "Process Excellence", "Health & Safety", "Facilities", "Field Operations", "Service Delivery")),
    DivisionKind("FIN", "Finance", "Chief Financial Officer", 0.45, (("FIN", 1.0),),
                 ("Accounting", "Controlling", "Financial Planning & Analysis", "Treasury", "Tax", "Internal Audit",
                  "Accounts Payable", "Accounts Receivable", "Group Reporting")),
    DivisionKind("ENG", "Engineering", "Chief Technology Officer", 1.5, (("ENG", 0.86), ("PRD", 0.08), ("RND", 0.06)),
                 ("Platform", "Payments", "Mobile Apps", "Data Platform", "Infrastructure", "Core Services", "Search",
                  "Integrations", "Developer Experience", "Security Engineering")),
    DivisionKind("IT", "Information Technology", "Chief Information Officer", 0.6, (("IT", 0.92), ("ENG", 0.08)),
                 ("Service Desk", "Workplace Technology", "Network & Telecom", "Information Security",
                  "Enterprise Applications", "IT Infrastructure", "Data Management", "IT Governance")),
    DivisionKind("MKT", "Marketing", "Chief Marketing Officer", 0.5, (("MKT", 0.92), ("PRD", 0.08)),
                 ("Brand", "Digital Marketing", "Product Marketing", "Communications", "Marketing Operations",
                  "Content Studio", "Events", "Market Intelligence")),
    DivisionKind("LEG", "Legal & Compliance", "General Counsel", 0.16, (("LEG", 1.0),),
                 ("Corporate Legal", "Commercial Contracts", "Compliance", "Data Protection", "Litigation",
                  "Intellectual Property", "Regulatory Affairs")),
    DivisionKind("CS", "Customer Service", "Chief Customer Officer", 1.3, (("CS", 0.9), ("IT", 0.05), ("OPS", 0.05)),
                 ("Contact Centre", "Technical Support", "Customer Success", "Complaints", "Service Quality",
                  "Returns & Warranty", "Digital Care", "Premium Support")),
    DivisionKind("PRD", "Product", "Chief Product Officer", 0.6, (("PRD", 0.7), ("ENG", 0.2), ("MKT", 0.1)),
                 ("Product Management", "User Experience", "Product Analytics", "Product Design", "Pricing",
                  "Customer Insights", "Product Strategy")),
    DivisionKind("SCM", "Supply Chain", "Chief Supply Chain Officer", 1.0, (("SCM", 0.85), ("OPS", 0.15)),
                 ("Procurement", "Logistics", "Warehousing", "Demand Planning", "Supplier Quality", "Transport",
                  "Distribution", "Strategic Sourcing")),
    DivisionKind("RND", "Research & Development", "Chief Scientific Officer", 0.6, (("RND", 0.8), ("ENG", 0.2)),
                 ("Applied Research", "Data Science", "Advanced Materials", "Innovation Lab", "Product Research",
                  "Analytics", "Prototyping")),
)
CORE_DIVISIONS = 6  # the first six kinds are always present
DIVISIONS_BY_CODE = {d.code: d for d in DIVISIONS}

SEGMENTS = ("North", "South", "East", "West", "Central", "Nordics", "DACH", "Iberia", "Benelux", "UK & Ireland",
            "Americas", "APAC", "Core", "International")
TEAM_NAMES = (
    "Aurora", "Orion", "Vega", "Lyra", "Atlas", "Nova", "Polaris", "Sirius", "Draco", "Pegasus", "Phoenix", "Falcon",
    "Kestrel", "Osprey", "Heron", "Puffin", "Raven", "Swift", "Condor", "Albatross", "Danube", "Rhine", "Tagus",
    "Volga", "Loire", "Elbe", "Oder", "Seine", "Thames", "Tiber", "Amber", "Cobalt", "Indigo", "Jade", "Onyx",
    "Quartz", "Ruby", "Saffron", "Topaz", "Zircon", "Alder", "Birch", "Cedar", "Elm", "Juniper", "Linden", "Maple",
    "Oak", "Rowan", "Willow", "Andes", "Alps", "Carpathia", "Dolomite", "Everest", "Fuji", "Kilimanjaro", "Olympus",
    "Pyrenees", "Tatra", "Comet", "Meteor", "Nebula", "Pulsar", "Quasar", "Zenith", "Horizon", "Meridian", "Summit",
    "Beacon", "Compass", "Harbor", "Lighthouse", "Anchor", "Voyager", "Pioneer", "Explorer", "Navigator", "Ranger",
    "Sentinel", "Bison", "Lynx", "Otter", "Panther", "Badger", "Fox", "Wolf", "Bear", "Eagle", "Hawk")

GRADES: tuple[tuple[str, str, float], ...] = (
    # (code, name, band midpoint today); the band is mid x (0.8 .. 1.2), a little wider at the top.
    ("G01", "Entry", 34_000.0),
    ("G02", "Associate", 41_000.0),
    ("G03", "Professional", 49_000.0),
    ("G04", "Senior Professional", 59_000.0),
    ("G05", "Lead / Expert", 71_000.0),
    ("G06", "Manager / Principal", 86_000.0),
    ("G07", "Senior Manager", 106_000.0),
    ("G08", "Director", 134_000.0),
    ("G09", "Vice President", 178_000.0),
    ("G10", "Chief Executive", 260_000.0),
)


def band(level: int) -> tuple[float, float, float]:
    """(min, mid, max) of a grade today."""
    mid = GRADES[level - 1][2]
    spread = 0.2 if level <= 6 else 0.25
    return round(mid * (1 - spread), -2), mid, round(mid * (1 + spread), -2)


# IC titles: seniority prefix by grade.
SENIORITY = {1: "Junior ", 2: "", 3: "", 4: "Senior ", 5: "Lead ", 6: "Principal "}


@dataclass(frozen=True)
class Process:
    code: str
    name: str
    description: str
    owner: str  # division kind code
    divisions: tuple[str, ...]


PROCESSES: tuple[Process, ...] = (
    Process("O2C", "Order to cash", "From a customer's order through delivery and invoicing to cash collected.",
            "SAL", ("SAL", "FIN", "CS", "OPS", "SCM")),
    Process("P2P", "Procure to pay", "From a purchase need through supplier selection and receipt to payment.",
            "FIN", ("SCM", "OPS", "FIN", "LEG")),
    Process("H2R", "Hire to retire", "The employee lifecycle: hiring, onboarding, development, pay and exit.",
            "HR", ("HR", "FIN", "IT", "LEG")),
    Process("R2R", "Record to report", "Closing the books and reporting results to management and regulators.",
            "FIN", ("FIN", "LEG", "IT")),
    Process("I2M", "Idea to market", "From an idea through research, design and build to launch.",
            "PRD", ("PRD", "ENG", "RND", "MKT", "SAL")),
    Process("I2R", "Issue to resolution", "From a customer's problem report to its lasting fix.",
            "CS", ("CS", "ENG", "IT", "OPS")),
    Process("F2F", "Forecast to fulfil", "Demand forecasting, planning, production and delivery to customers.",
            "OPS", ("OPS", "SCM", "SAL", "FIN")),
)

COMPANIES = (
    ("Northwind Group", "northwind.example"),
    ("Contoso Holdings", "contoso.example"),
    ("Fabrikam Industries", "fabrikam.example"),
    ("Tailspin Systems", "tailspin.example"),
    ("Woodgrove Enterprises", "woodgrove.example"),
    ("Alpine Ridge Corporation", "alpineridge.example"),
)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
